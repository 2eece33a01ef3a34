"""Live search boxes: on a slow VPN an older answer must never overwrite a newer one."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
SEARCH_FORM = re.compile(r"<form[^>]*>(?:(?!</form>).)*?<input[^>]*delay:300ms[^>]*>", re.S)


def test_every_live_search_box_shares_one_request_slot_with_its_form():
    """Typing, Enter (form submit) and the filters all replace the request in flight instead of racing it."""
    found = [(path.name, m.group(0)) for path in TEMPLATES.rglob("*.html")
             for m in SEARCH_FORM.finditer(path.read_text())]
    assert len(found) >= 8
    for name, html in found:
        form, box = re.match(r"(<form[^>]*>)", html).group(1), re.search(r"<input[^>]*delay:300ms[^>]*>", html).group(0)
        assert 'hx-sync="this:replace"' in form, name
        assert 'hx-sync="closest form:replace"' in box and 'hx-push-url="true"' in box, name
