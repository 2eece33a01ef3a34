"""Resident ID and phone numbers: validation, encryption at rest, blind index for lookup, masking."""
import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from stdnum.cn import ric

from app.clock import local_today
from app.validation import Invalid

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def _derive(label: bytes) -> bytes:
    return hashlib.sha256(label + current_app.config["PII_KEY"].encode()).digest()


def _fernet() -> Fernet:
    cache = current_app.extensions.setdefault("pii_fernet", {})
    if "f" not in cache:
        cache["f"] = Fernet(base64.urlsafe_b64encode(_derive(b"portal-pii-encrypt:")))
    return cache["f"]


def encrypt(value: str | None) -> str | None:
    """Fernet token (text) of the value; None stays None."""
    if value is None or value == "":
        return None
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str | None) -> str | None:
    """The clear value of a token written by `encrypt`."""
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("PII token does not match PORTAL_PII_KEY") from exc


def blind_index(value: str | None) -> str | None:
    """Keyed hash (HMAC-SHA256) of the normalized value, for exact lookup without storing it in clear."""
    if not value:
        return None
    return hmac.new(_derive(b"portal-pii-index:"), value.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IdInfo:
    """What a valid resident ID number tells."""

    number: str
    birth_date: date
    gender: str  # "男" | "女"
    birth_place: str


def parse_id_number(raw: str | None, field: str = "id_number") -> IdInfo:
    """Validate a resident ID with stdnum.cn.ric; raise Invalid with the reason in Chinese."""
    text = (raw or "").strip().upper().replace(" ", "")
    if not text:
        raise Invalid({field: "请输入公民身份号码"})
    if len(text) != 18:
        raise Invalid({field: "公民身份号码应为 18 位"})
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise Invalid({field: "公民身份号码格式不正确：前 17 位应为数字，最后一位为数字或 X"})
    try:
        number = ric.validate(text)
    except ric.InvalidChecksum:
        raise Invalid({field: "公民身份号码校验位不正确，请核对"}) from None
    except ric.InvalidComponent:
        raise Invalid({field: "公民身份号码中的出生日期或地区代码无效"}) from None
    except ric.ValidationError:
        raise Invalid({field: "公民身份号码无效"}) from None
    birth = ric.get_birth_date(number)
    if birth > local_today():
        raise Invalid({field: "公民身份号码中的出生日期晚于今天"})
    place = ric.get_birth_place(number)
    return IdInfo(number=number, birth_date=birth, gender="男" if int(number[16]) % 2 else "女",
                  birth_place="".join(v for v in place.values() if v) if isinstance(place, dict) else "")


def normalize_phone(raw: str | None, field: str = "phone") -> str | None:
    """A mainland mobile number without spaces or +86, or None when empty; Invalid when malformed."""
    text = re.sub(r"[\s-]", "", raw or "")
    if text.startswith("+86"):
        text = text[3:]
    if not text:
        return None
    if not _PHONE_RE.match(text):
        raise Invalid({field: "手机号码应为 11 位，以 1 开头"})
    return text


def mask_id(number: str | None) -> str:
    """6530**********123X style: first 4 and last 4 shown."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "*" * len(number)


def mask_phone(number: str | None) -> str:
    """138****5678 style."""
    if not number:
        return ""
    return number[:3] + "****" + number[-4:] if len(number) >= 7 else "*" * len(number)


def init_app(app) -> None:
    """Masking filters for templates."""
    app.add_template_filter(mask_id, "mask_id")
    app.add_template_filter(mask_phone, "mask_phone")
