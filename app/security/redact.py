"""Keep personal data out of places that are not encrypted: page paths, message logs, error texts."""
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from app.security.pii import mask_id, mask_phone

# Query keys whose values are filters, pages or codes of the portal itself, never a person.
SAFE_QUERY_KEYS = frozenset({
    "page", "size", "sort", "order", "dir", "tab", "state", "status", "kind", "type", "category", "severity",
    "system", "system_id", "region", "region_id", "tag", "conflict", "source", "month", "period", "year",
    "date_from", "date_to", "start", "end", "action", "outcome", "object_type", "level", "view", "queue",
})
# A safe value is short and plain: no Chinese (names, addresses) and no long digit run (ID, phone).
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.:-]{0,32}$")
_LONG_DIGITS = re.compile(r"\d{7,}")
DROPPED = "*"

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def page_path(url: str | None, limit: int = 255) -> str:
    """A portal path with personal values removed: unknown query values and long numbers become '*'."""
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return ""
    parts = urlsplit(url)
    path = "/".join(DROPPED if _LONG_DIGITS.search(segment) else segment for segment in parts.path.split("/"))
    pairs = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        keep = key in SAFE_QUERY_KEYS and _SAFE_VALUE.match(value) and not _LONG_DIGITS.search(value)
        pairs.append((key, value if keep else DROPPED))
    query = urlencode(pairs, safe=DROPPED)
    return (f"{path}?{query}" if query else path)[:limit]


def mask_numbers(text: str | None) -> str:
    """Free text with every resident ID number and mobile number in it masked."""
    if not text:
        return text or ""
    text = ID_NUMBER.sub(lambda m: mask_id(m.group(0)), text)
    return PHONE.sub(lambda m: mask_phone(m.group(0)), text)


def without_secret(text: str, secret: str | None) -> str:
    """The text with a one-time code replaced by asterisks."""
    return text.replace(secret, "*" * len(secret)) if secret else text
