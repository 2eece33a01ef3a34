"""Helpers for lost-update tests: open an edit form like a browser, read its fields, submit it later."""
import re
from html import unescape

_INPUT = re.compile(r"<input\b[^>]*>", re.S)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def rendered_version(page: str) -> str:
    """The row_version the form was rendered with."""
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("name") == "row_version":
            return unescape(attrs.get("value", ""))
    raise AssertionError("the edit form carries no row_version")


def input_value(page: str, name: str) -> str | None:
    """The value a text input shows."""
    for tag in _INPUT.findall(page):
        attrs = dict(_ATTR.findall(tag))
        if attrs.get("name") == name:
            return unescape(attrs.get("value", ""))
    return None
