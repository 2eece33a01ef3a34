"""Byte budgets (deterministic): compressed pages, fragments and first-visit weight; static caching."""
import gzip
import re

from tests.conftest import body, login

GZIP = {"Accept-Encoding": "gzip"}
PAGE_BUDGET = 8 * 1024
FIRST_VISIT_BUDGET = 40 * 1024


def _wire_size(client, url, headers=None):
    response = client.get(url, headers={**GZIP, **(headers or {})})
    assert response.status_code == 200, url
    assert response.headers.get("Content-Encoding") == "gzip", url
    return len(response.data), response


def test_login_page_within_budget(client):
    size, _ = _wire_size(client, "/login")
    assert size <= PAGE_BUDGET


def test_logged_in_pages_within_budget(demo, client):
    login(client, "county")
    for url in ("/", "/admin/users", "/admin/regions", "/admin/audit"):
        size, _ = _wire_size(client, url)
        assert size <= PAGE_BUDGET, (url, size)


def test_first_visit_with_css_and_htmx_within_budget(client):
    page_size, response = _wire_size(client, "/login")
    html = gzip.decompress(response.data).decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any("htmx.min.js" in a for a in assets) and any("app.css" in a for a in assets)
    total = page_size
    for url in assets:
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200, url
        total += len(response.data)
    assert total <= FIRST_VISIT_BUDGET, total


def test_static_assets_have_hashed_urls_and_long_cache(client):
    html = body(client.get("/login"))
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        assert re.search(r"\?v=[0-9a-f]{12}$", url), url
        response = client.get(url)
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.public and response.cache_control.immutable


def test_htmx_is_the_pinned_version(client):
    html = body(client.get("/login"))
    url = re.search(r'src="(/static/vendor/htmx\.min\.js[^"]*)"', html).group(1)
    script = client.get(url).get_data(as_text=True)
    assert 'version:"2.0.11"' in script.replace(" ", "")
