"""Pages without personal data answer a repeat view with 304 and no body; pages with personal data never do."""
from tests.conftest import login


def test_login_page_answers_304_to_its_own_etag(demo, client):
    first = client.get("/login")
    etag = first.headers.get("ETag")
    assert first.status_code == 200 and etag, "the login page carries a validator"
    again = client.get("/login", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_the_etag_follows_the_page_not_its_tokens(demo, client):
    """The CSRF token is re-signed every second and each form gets a new key: neither changes the validator."""
    tags = {client.get("/login").headers["ETag"] for _ in range(3)}
    assert len(tags) == 1


def test_a_stale_etag_gets_the_page(demo, client):
    response = client.get("/login", headers={"If-None-Match": 'W/"0000"'})
    assert response.status_code == 200 and b"csrf_token" in response.data


def test_pages_with_personal_data_have_no_etag(demo, client):
    login(client, "county")
    response = client.get("/households/")
    assert response.status_code == 200 and "ETag" not in response.headers
