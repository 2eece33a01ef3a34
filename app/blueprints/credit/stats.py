"""Statistics: records by category and department, and appeal counts."""

from datetime import date

from app.blueprints.credit.services import records_query
from app.extensions import db
from app.models import credit as C


def overview(user, today: date) -> dict:
    """A category × department table of the records the user may see, with totals (two grouped queries)."""
    base = records_query(user).subquery()
    rows = db.session.execute(
        db.select(base.c.department, base.c.category, db.func.count()).group_by(
            base.c.department, base.c.category
        )
    ).all()
    departments = sorted({d for d, _, _ in rows})
    table = {(d, c): n for d, c, n in rows}
    # A published record past its window is shown as 公示期满, so count it that way here too.
    shown = db.case(
        (db.and_(base.c.status.in_((C.PUBLISHED, C.OBJECTED)), base.c.pub_end < today), C.EXPIRED),
        else_=base.c.status,
    )
    by_status = dict(db.session.execute(db.select(shown, db.func.count()).group_by(shown)).all())
    totals = {c: sum(table.get((d, c), 0) for d in departments) for c in C.CATEGORIES}
    top = max([1, *totals.values()])
    return {
        "departments": departments,
        "table": table,
        "categories": C.CATEGORIES,
        "totals": totals,
        "top": top,
        "by_status": by_status,
        "status_labels": C.RECORD_STATUSES,
        "today": today,
    }
