"""Pages with personal data are never cached: no-store, out of htmx's history cache, cleared at logout."""
import pytest

from app.extensions import db
from app.models.household import Household
from tests.conftest import body, login, post, project_root
from tests.credit.helpers import enroll_device, kiosk_identify_person
from workers.queues import drain

MARKER = 'hx-history="false"'
# Endpoints that answer something else than a page (downloads, probes, redirects).
NOT_PAGES = {"home.healthz", "auth.logout", "kiosk.reset"}


def _page_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static" \
                and rule.endpoint not in NOT_PAGES:
            yield rule


def _assert_private(response, url):
    assert response.headers.get("Cache-Control") == "no-store", url
    if response.mimetype == "text/html" and response.status_code == 200 and "<html" in body(response):
        assert MARKER in body(response), url


@pytest.mark.parametrize("username", ["admin", "county", "grid", "credit", "opslead"])
def test_every_staff_page_is_no_store_and_out_of_history(demo, app, client, username):
    login(client, username)
    seen = 0
    for rule in _page_rules(app):
        if rule.endpoint.startswith(("kiosk.", "verify.")):
            continue
        response = client.get(rule.rule)
        if response.status_code == 200:
            seen += 1
            _assert_private(response, rule.rule)
            fragment = client.get(rule.rule, headers={"HX-Request": "true"})
            assert fragment.headers.get("Cache-Control") == "no-store", rule.rule
    assert seen >= 5


def test_pages_with_ids_are_no_store(demo, app, client):
    login(client, "county")
    household = db.session.execute(db.select(Household).limit(1)).scalar_one()
    for url in (f"/households/{household.id}", "/households/?q=330127", "/visits/today", "/tickets/"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        _assert_private(response, url)


def test_kiosk_and_verification_pages_are_no_store(demo, app):
    admin, kiosk = app.test_client(), app.test_client()
    login(admin, "credit")
    enroll_device(app, admin, kiosk)
    _assert_private(kiosk.get("/kiosk/"), "/kiosk/")
    assert kiosk_identify_person(kiosk).status_code == 303
    for url in ("/kiosk/me", "/kiosk/progress"):
        _assert_private(kiosk.get(url), url)
    number = post(kiosk, "/kiosk/print").headers["Location"].rsplit("/", 1)[-1]
    drain(app)
    _assert_private(kiosk.get(f"/kiosk/reports/{number}"), "report")
    kiosk.get(f"/kiosk/reports/{number}/print")
    pdf = kiosk.get(f"/kiosk/reports/{number}/pdf")
    assert pdf.status_code == 200 and pdf.headers["Cache-Control"] == "no-store"
    anonymous = app.test_client()
    _assert_private(anonymous.get(f"/verify/{number}"), "verify")


def test_public_pages_and_assets_stay_cacheable(app, client):
    login_page = client.get("/login")
    assert "no-store" not in (login_page.headers.get("Cache-Control") or "")
    assert MARKER not in body(login_page)
    asset = client.get(next(a for a in [body(login_page)] if a).split('href="')[2].split('"')[0])
    assert "immutable" in asset.headers["Cache-Control"]


def test_logout_clears_site_data_and_the_login_page_clears_history(demo, client):
    login(client, "grid")
    response = post(client, "/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert response.headers["Cache-Control"] == "no-store"
    page = body(client.get("/login"))
    assert "data-clear-history" in page and "<script>" not in page  # our static script, CSP unchanged
    script = (project_root() / "app/static/js/app.js").read_text()
    assert 'sessionStorage.removeItem("htmx-history-cache")' in script


def test_idle_timeout_clears_site_data(demo, client):
    login(client, "grid")
    with client.session_transaction() as session:
        session["seen"] = session["seen"] - 31 * 60
    response = client.get("/")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
