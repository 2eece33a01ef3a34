"""The visit timeline slot on the household page (一户一档)."""
from sqlalchemy.orm import raiseload

from app.blueprints.visits import policy
from app.blueprints.visits.services import may_edit, policies, ticket_url
from app.clock import local_today, to_local
from app.extensions import db
from app.models.user import User
from app.models.visit import Visit, VisitCheck
from app.security.permissions import VISITS_RECORD

TIMELINE_LIMIT = 20


def load_timeline(household, user) -> dict:
    """The latest visits with their checklists and visitors, and the next due date (three queries, always)."""
    stmt = (db.select(Visit, User.display_name).join(User, User.id == Visit.visitor_id)
            .where(Visit.household_id == household.id).order_by(Visit.visited_at.desc(), Visit.id.desc())
            .limit(TIMELINE_LIMIT).options(raiseload(Visit.checks)))
    rows = db.session.execute(stmt).all()
    # Checklists in one query even when there are no visits, so the page's query count never varies.
    checks: dict[int, list] = {}
    for check in db.session.execute(db.select(VisitCheck).where(VisitCheck.visit_id.in_([v.id for v, _ in rows]))
                                    .order_by(VisitCheck.id)).scalars():
        checks.setdefault(check.visit_id, []).append(check)
    interval = policy.interval_for(household.tag_list, policies())
    last = to_local(rows[0][0].visited_at).date() if rows else None
    due = policy.next_due(last, interval, to_local(household.created_at).date())
    return {"visits": [(v, name, may_edit(user, v), ticket_url(v), checks.get(v.id, [])) for v, name in rows],
            "interval": interval,
            "due": due, "state": policy.bucket(due, local_today()), "can_record": user.can(VISITS_RECORD)}


def register() -> None:
    """Fill the household page's visit slot."""
    from app.blueprints.households.sections import register_section

    register_section("visits", "走访记录", "visits/_household_timeline.html", load_timeline)
