"""Cell converters shared by every importer: each returns a clean value (None when blank) or raises CellError."""
import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from app.imports.reader import Unreadable

FORMAT_AS_TEXT = "列须设置为文本格式（Excel 已把号码转成数字，末几位可能已丢失），请把该列设为文本后重新填写"
_NUMBER_TEXT = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_SCIENTIFIC = re.compile(r"^\d+(?:\.\d+)?[eE]\+?\d+$")
_FLOAT_OF_INT = re.compile(r"^\d{15,18}\.0+$")
_NAME_DOTS = re.compile(r"[·•．.・‧∙]")
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef〇]"
_PERSON_NAME = re.compile(rf"^{_HAN}+(?:·{_HAN}+)*$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                        r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 60 is Excel's phantom 1900-02-29; real dates start at 61


class CellError(ValueError):
    """A cell's value cannot be used; the message is the Chinese reason (without the column name)."""


def is_blank(value) -> bool:
    """An empty cell (None or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _check_readable(value) -> None:
    if isinstance(value, Unreadable):
        raise CellError(value.reason)


def display(value) -> str:
    """A cell as text for a rejects workbook (never a formula)."""
    if value is None:
        return ""
    if isinstance(value, Unreadable):
        return f"〔{value.reason}〕"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_text(value, *, max_length: int = 255) -> str | None:
    """Plain text: no leading = + - @ (a formula when opened in Excel) and no control characters."""
    _check_readable(value)
    if is_blank(value):
        return None
    text = display(value).strip()
    if text[0] in "=+-@" and not _NUMBER_TEXT.match(text):
        raise CellError("不能以 = + - @ 开头（会被 Excel 当作公式）")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise CellError("含有不可见的控制字符")
    if len(text) > max_length:
        raise CellError(f"超过 {max_length} 个字符")
    return text


def as_person_name(value) -> str | None:
    """A Chinese name; minority names join their parts with the middle dot ·."""
    text = as_text(value, max_length=64)
    if text is None:
        return None
    text = _NAME_DOTS.sub("·", re.sub(r"\s+", "", text))
    if not _PERSON_NAME.match(text) or len(text) < 2:
        raise CellError(f"“{text[:20]}”不是有效的姓名（应为汉字，少数民族姓名用间隔号·分隔）")
    return text


def as_date(value) -> date | None:
    """A date from a date cell, an Excel serial, 2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日 or 20240105."""
    _check_readable(value)
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError("不是有效日期")
    if isinstance(value, int | float):
        return _from_serial(float(value))
    text = str(value).strip()
    if _SERIAL.match(text):
        return _from_serial(float(text))
    match = _DATE_TEXT.match(text) or _COMPACT_DATE.match(text)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise CellError(f"“{text[:20]}”不是有效日期（如 2024-01-05、2024/1/5、2024年1月5日）")


def _from_serial(serial: float) -> date:
    if not 61 <= serial < 2958466:
        raise CellError(f"“{display(serial)}”不是有效日期")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def is_numeric_code(value) -> bool:
    """A code that Excel turned into a number: a numeric cell, 3.30127E+17, or 330127198503121234.0."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    text = str(value).strip()
    return bool(_SCIENTIFIC.match(text) or _FLOAT_OF_INT.match(text))


def as_id_number(value, *, label: str = "证件号码") -> str | None:
    """A valid resident ID number; a number-formatted cell gets a reason asking for a text column."""
    from app.security import pii
    from app.validation import Invalid

    _check_readable(value)
    if is_blank(value):
        return None
    if is_numeric_code(value):
        raise CellError(label + FORMAT_AS_TEXT)
    text = as_text(value, max_length=32)
    try:
        return pii.parse_id_number(text).number
    except Invalid as exc:
        reason = exc.errors["id_number"][0]
        if text.isdigit() and len(text) == 18 and text.endswith("000") and "校验位" in reason:
            raise CellError(f"{reason}；若号码末尾变成了 000，说明{label}{FORMAT_AS_TEXT}") from None
        raise CellError(reason) from None


def as_credit_code(value, *, label: str = "统一社会信用代码") -> str | None:
    """A valid 统一社会信用代码 (GB 32100); a number-formatted cell gets a reason asking for a text column."""
    from stdnum.cn import uscc
    from stdnum.exceptions import InvalidChecksum, ValidationError

    _check_readable(value)
    if is_blank(value):
        return None
    if is_numeric_code(value):
        raise CellError(label + FORMAT_AS_TEXT)
    text = as_text(value, max_length=32).upper().replace(" ", "")
    try:
        return uscc.validate(text)
    except InvalidChecksum:
        raise CellError(f"{label}校验位不正确，请核对") from None
    except ValidationError:
        raise CellError(f"{label}应为 18 位数字或大写字母") from None


def as_decimal(value, *, places: int | None = None, minimum: Decimal | int | None = None) -> Decimal | None:
    """A number (thousands separators allowed), optionally rounded to `places` and at least `minimum`."""
    _check_readable(value)
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("应为数字")
    if isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(f"“{text[:20]}”应为数字") from None
    if not number.is_finite():
        raise CellError("应为数字")
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    if minimum is not None and number < minimum:
        raise CellError(f"不能小于 {minimum}")
    return number
