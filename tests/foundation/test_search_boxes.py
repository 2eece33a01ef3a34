"""Live search boxes: on a slow VPN an older answer must never overwrite a newer one."""
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"
LIVE_INPUT = re.compile(r"<input[^>]*delay:300ms[^>]*>")


def test_every_live_search_box_replaces_its_request_in_flight():
    boxes = [(path.name, tag) for path in TEMPLATES.rglob("*.html") for tag in LIVE_INPUT.findall(path.read_text())]
    assert len(boxes) >= 8
    for name, tag in boxes:
        assert 'hx-sync="this:replace"' in tag, name
        assert 'hx-push-url="true"' in tag, name
