"""Live search boxes: one request per change, and on a slow VPN an older answer never overwrites a newer one."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
LIVE_FORM = re.compile(r"<form[^>]*delay:300ms[^>]*>(?:(?!</form>).)*</form>", re.S)
LIVE_TRIGGER = ('hx-trigger="input changed delay:300ms target:input[type=search], change target:select, '
                'change target:input:not([type=search]), submit"')


def test_every_live_search_form_is_the_only_requester_and_owns_one_request_slot():
    """The form sends for typing (debounced), filters and Enter; a box that also sent would send twice.

    A search box that asked itself would race its form: leaving the box fires "change" on the form, and Enter
    fires both "search" on the box and "submit" on the form. tests/browser/test_live_search.py counts them.
    """
    found = [(path.name, m.group(0)) for path in TEMPLATES.rglob("*.html")
             for m in LIVE_FORM.finditer(path.read_text())]
    assert len(found) >= 8
    for name, html in found:
        form = re.match(r"<form[^>]*>", html).group(0)
        assert LIVE_TRIGGER in form and 'hx-sync="this:replace"' in form and 'hx-push-url="true"' in form, name
        assert "hx-get=" in form, name
        inner = html[len(form):]
        assert not re.search(r"<(input|select)[^>]*hx-(get|trigger)=", inner), name
    sources = [p.name for p in TEMPLATES.rglob("*.html") if "delay:300ms" in p.read_text()]
    assert len(sources) == len(found), sources
