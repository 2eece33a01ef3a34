"""失信信息 classes and their publication windows (信用修复管理办法, 国家发展改革委令 2025 年第 36 号).

轻微: not published unless the department marks it necessary, then at most 3 months, repairable once the duty is
fulfilled; 一般: 3-12 months; 严重: 12-36 months. Periods count from the decision date and publication ends by
itself at the longest period. Repair is possible from the end of the shortest period.
"""

import calendar as monthcal
from datetime import date

from app.blueprints.credit.settings import setting
from app.models import credit as C

# Which classes fit which 失信信息 category: the serious-dishonesty list is 严重 by definition.
ALLOWED_CLASSES = {
    C.PENALTY: (C.MINOR, C.NORMAL, C.SERIOUS),
    C.BLACKLIST: (C.SERIOUS,),
    C.ABNORMAL: (C.MINOR, C.NORMAL, C.SERIOUS),
    C.WATCH: (C.MINOR, C.NORMAL, C.SERIOUS),
}
_WINDOW_SETTING = {C.MINOR: "CREDIT_WINDOW_MINOR", C.NORMAL: "CREDIT_WINDOW_NORMAL", C.SERIOUS: "CREDIT_WINDOW_SERIOUS"}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (clamped to the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthcal.monthrange(year, month)[1]))


def months_text(months: int) -> str:
    """12 → "1 年", 3 → "3 个月"."""
    return f"{months // 12} 年" if months and months % 12 == 0 else f"{months} 个月"


def is_dishonest(category: str) -> bool:
    """True for 失信信息 (行政处罚, 严重失信主体名单, 异常名录, other 失信信息)."""
    return category in C.DISHONEST


def bounds(category: str, severity: str | None) -> tuple[int, int, int]:
    """(shortest, default, longest) publication in months for a category and class."""
    if is_dishonest(category) and severity in _WINDOW_SETTING:
        return setting(_WINDOW_SETTING[severity])
    return setting("CREDIT_WINDOW_OTHER")


def class_error(category: str, severity: str | None) -> str | None:
    """A Chinese message when the class is missing or does not fit the category, else None."""
    if not is_dishonest(category):
        return None
    allowed = ALLOWED_CLASSES[category]
    names = "、".join(C.SEVERITIES[s] for s in allowed)
    if severity not in C.SEVERITIES:
        return f"{C.CATEGORIES[category]}须选择失信等级（{names}）"
    if severity not in allowed:
        return f"{C.CATEGORIES[category]}只能是{names}失信信息，不能定为{C.SEVERITIES[severity]}"
    return None


def window_error(category: str, severity: str | None, decision: date, end: date) -> str | None:
    """A Chinese message when the publication end lies outside the class's bounds, else None."""
    low, _default, high = bounds(category, severity)
    label = C.SEVERITIES.get(severity or "", "") + "失信信息" if is_dishonest(category) else C.CATEGORIES[category]
    if end < add_months(decision, low):
        return f"{label}公示期不得短于 {months_text(low)}（自决定日期起），应不早于 {add_months(decision, low)}"
    if end > add_months(decision, high):
        return f"{label}公示期不得长于 {months_text(high)}（自决定日期起），应不晚于 {add_months(decision, high)}"
    return None


def longest_end(record: C.CreditRecord) -> date:
    """The day publication ends by itself: the stored end, capped at the class's longest period."""
    _low, _default, high = bounds(record.category, record.severity)
    return min(record.pub_end, add_months(record.decision_date, high))


def is_public_on(record: C.CreditRecord, today: date) -> bool:
    """True when the record appears on reports, the kiosk and shared data on `today`."""
    return (
        record.status in (C.PUBLISHED, C.OBJECTED)
        and record.is_public
        and record.pub_start <= today <= longest_end(record)
    )


def repair_possible_from(record: C.CreditRecord) -> date:
    """The first day a repair may be applied for: the end of the shortest publication period."""
    low, _default, _high = bounds(record.category, record.severity)
    return add_months(record.decision_date, low)


def findings(record: C.CreditRecord) -> list[str]:
    """Why an existing record does not fit the current rules (for the credit office's review), or []."""
    problems = []
    error = class_error(record.category, record.severity)
    if error:
        problems.append(error)
    else:
        error = window_error(record.category, record.severity, record.decision_date, record.pub_end)
        if error:
            problems.append(f"现公示截止 {record.pub_end}：{error}")
    return problems
