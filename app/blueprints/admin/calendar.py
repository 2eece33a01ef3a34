"""Admin corrections to the working-day calendar."""
from datetime import date

from app.extensions import db
from app.models.calendar import CalendarOverride
from app.security import audit
from app.validation import Invalid
from app.workcalendar import calendar_for, library_knows_makeup_days


def overview(today: date) -> dict:
    """Overrides from this year on, and whether the library knows each year's 调休 days."""
    rows = db.session.execute(db.select(CalendarOverride).where(CalendarOverride.day >= date(today.year, 1, 1))
                              .order_by(CalendarOverride.day)).scalars().all()
    years = (today.year, today.year + 1)
    return {"overrides": rows, "coverage": {year: library_knows_makeup_days(year) for year in years}}


def set_override(day: date, is_working: bool, note: str) -> CalendarOverride:
    """Declare a date a working day or a day off (replacing an earlier override of that date)."""
    cal = calendar_for(day.year)
    cal.overrides.pop(day, None)
    if cal.is_working_day(day) == is_working:
        raise Invalid({"day": [f"{day:%Y-%m-%d} 按现有日历已经是{'工作日' if is_working else '休息日'}，无需调整"]})
    row = db.session.get(CalendarOverride, day)
    before = {"is_working": row.is_working} if row else {"is_working": None}
    if row is None:
        row = CalendarOverride(day=day, is_working=is_working, note=note.strip())
        db.session.add(row)
    row.is_working, row.note = is_working, note.strip()
    audit.record("calendar.override", object_type="calendar_override", object_id=day.isoformat(),
                 changes={"is_working": [before["is_working"], is_working]}, detail=note.strip())
    db.session.commit()
    return row


def remove_override(day: date) -> None:
    """Go back to the library's answer for that date."""
    row = db.session.get(CalendarOverride, day)
    if row is None:
        raise Invalid("该日期没有人工调整")
    audit.record("calendar.override_removed", object_type="calendar_override", object_id=day.isoformat(),
                 changes={"is_working": [row.is_working, None]})
    db.session.delete(row)
    db.session.commit()
