"""/verify/<number> without the report's code shows nothing about the number, existing or not."""
import io
import re

from app.blueprints.credit import reports
from tests.conftest import body, login, post
from tests.credit.test_reports import _issue


def _plain(page: str, number: str) -> str:
    """The page without its number and its per-render form tokens."""
    return re.sub(r'type="hidden" name="(\w+)" value="[^"]*"', r"\1", page).replace(number, "N")


def test_number_without_code_reveals_nothing(demo, client, app):
    login(client, "credit")
    report = _issue(client, app)
    number, masked = report.number, report.masked_name
    code = reports.verify_code(number, report.content_sha256)
    public = app.test_client()
    bare = public.get(f"/verify/{number}")
    made_up = public.get(f"/verify/{int(number) + 1}")
    assert bare.status_code == made_up.status_code == 200
    for page in (body(bare), body(made_up)):
        assert masked not in page and "有效" not in page and "未找到" not in page and "校验码" in page
    # The neighbouring number of a real report answers exactly like the real one: numbers cannot be enumerated.
    assert _plain(body(bare), number) == _plain(body(made_up), str(int(number) + 1))
    wrong = public.get(f"/verify/{number}?c={'0' * 24}")
    assert masked not in body(wrong)
    good = public.get(f"/verify/{number}?c={code}")
    assert masked in body(good)


def test_lookup_form_asks_for_the_code(demo, client, app):
    login(client, "credit")
    report = _issue(client, app)
    number = report.number
    code = reports.verify_code(number, report.content_sha256)
    public = app.test_client()
    missing = post(public, "/verify/", {"number": number})
    assert missing.status_code == 422 and "请输入报告上印的校验码" in body(missing)
    found = post(public, "/verify/", {"number": number, "code": code})
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/verify/{number}?c={code}")


def test_a_different_upload_shows_no_personal_data(demo, client, app):
    login(client, "credit")
    report = _issue(client, app)
    number, masked = report.number, report.masked_name
    public = app.test_client()
    other = post(public, f"/verify/{number}", {"pdf": (io.BytesIO(b"%PDF-1.7 forged"), "r.pdf")},
                 content_type="multipart/form-data")
    assert "与存档不一致" in body(other) and masked not in body(other)
