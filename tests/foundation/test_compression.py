"""Every response is compressed whatever its status: form errors (422), 403, 404 and 500 pages too."""
import gzip

from app.clock import local_today
from tests.conftest import login, post
from tests.visits.helpers import household

GZIP = {"Accept-Encoding": "gzip"}
PAGE_BUDGET = 8 * 1024


def _compressed(response, status: int) -> str:
    assert response.status_code == status
    assert response.headers.get("Content-Encoding") == "gzip", status
    assert "Accept-Encoding" in response.headers.get("Vary", "")
    assert len(response.data) <= PAGE_BUDGET
    return gzip.decompress(response.data).decode()


def test_a_form_sent_back_with_errors_is_compressed(demo, client):
    login(client, "grid")
    hid = household("QH00100100101").id
    future = post(client, f"/visits/new/{hid}", {"visited_on": "2099-01-01", "visited_time": "09:30",
                                                 "kind": "常规走访", "c0": "正常"}, headers=GZIP)
    html = _compressed(future, 422)
    assert len(future.data) * 2 < len(html.encode())  # really smaller on the wire
    assert local_today().isoformat() < "2099-01-01" and "不能晚于" in html


def test_forbidden_and_missing_pages_are_compressed(demo, client):
    login(client, "grid")
    assert "403" in _compressed(client.get("/reports/", headers=GZIP), 403)
    assert "404" in _compressed(client.get("/households/999999", headers=GZIP), 404)


def test_a_server_error_page_is_compressed(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    assert "500" in _compressed(client.get("/broken-for-test", headers=GZIP), 500)


def test_bodiless_answers_are_left_alone(demo, client):
    response = client.get("/static/css/app.css", headers=GZIP)
    again = client.get("/static/css/app.css", headers={**GZIP, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data
