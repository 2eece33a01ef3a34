"""Recording and editing visits, and the visit policies; each change is audited and sent to the outbox."""
from datetime import date, datetime, timedelta

from flask import current_app, url_for

from app import outbox
from app.blueprints.visits.policy import DEFAULT_POLICIES
from app.clock import CHINA_OFFSET, local_today, utcnow
from app.extensions import db
from app.models.household import Household
from app.models.visit import (CHECK_ITEMS, CHECK_STATUSES, CHECKLIST_REQUIRED, DEFAULT_POLICY_TAG, VISIT_KINDS,
                              Visit, VisitCheck, VisitPolicy)
from app.security import audit
from app.security.permissions import VISITS_MANAGE
from app.validation import Invalid
from app.versioning import check_version

VISIT_RECORDED = outbox.declare("visit.recorded", "household_id", "kind", "visited_at", "follow_up", "follow_up_due",
                          "problems")
VISIT_UPDATED = outbox.declare("visit.updated", "household_id", "kind", "visited_at", "follow_up", "follow_up_due",
                         "problems", "changed")

VISIT_FIELDS = ("visited_at", "kind", "participants", "findings", "follow_up", "follow_up_due", "checklist")
EDIT_WINDOW = timedelta(hours=24)


def _checklist_text(checks) -> str:
    return "；".join(f"{c.item}:{c.status}{'(' + c.note + ')' if c.note else ''}" for c in checks)


def _clean(values: dict) -> tuple[dict, dict]:
    """Checked values and {field: message}; checklist answers come as {item: (status, note)}."""
    errors: dict[str, str] = {}
    day, clock = values.get("visited_on"), values.get("visited_time")
    if not isinstance(day, date):
        errors["visited_on"] = "请输入走访日期"
    local = datetime.combine(day, clock or datetime.min.time()) if isinstance(day, date) else None
    if local is not None and local - (utcnow() + CHINA_OFFSET) > timedelta(minutes=5):
        errors["visited_on"] = "走访时间不能晚于现在"
    elif isinstance(day, date) and day < local_today() - timedelta(days=366):
        errors["visited_on"] = "走访日期不能早于一年前"
    kind = values.get("kind")
    if kind not in VISIT_KINDS:
        errors["kind"] = "请选择走访类型"
    checklist = {}
    for item, (status, note) in (values.get("checklist") or {}).items():
        if item in CHECK_ITEMS and status:
            if status not in CHECK_STATUSES:
                errors["checklist"] = "检查项状态无效"
            checklist[item] = (status, (note or "").strip()[:64])
    if kind in CHECKLIST_REQUIRED and not checklist:
        errors["checklist"] = f"{kind}须至少填写一项检查情况"
    participants = (values.get("participants") or "").strip()
    if len(participants) > 128:
        errors["participants"] = "见面人员不超过 128 个字符"
    findings = (values.get("findings") or "").strip()
    if len(findings) > 2000:
        errors["findings"] = "走访情况不超过 2000 个字"
    follow_up, due = bool(values.get("follow_up")), values.get("follow_up_due")
    if follow_up and not isinstance(due, date):
        errors["follow_up_due"] = "需要跟进时请填写跟进期限"
    elif follow_up and due < local_today():
        errors["follow_up_due"] = "跟进期限不能早于今天"
    clean = {"visited_at": local - CHINA_OFFSET if local else None, "kind": kind, "participants": participants,
             "findings": findings, "follow_up": follow_up, "follow_up_due": due if follow_up else None,
             "checklist": checklist}
    return clean, errors


def _apply(visit: Visit, clean: dict) -> None:
    for name in ("visited_at", "kind", "participants", "findings", "follow_up", "follow_up_due"):
        setattr(visit, name, clean[name])
    current = {c.item: c for c in visit.checks}
    for item, check in list(current.items()):
        if item not in clean["checklist"]:
            visit.checks.remove(check)
    for item, (status, note) in clean["checklist"].items():
        if item in current:
            current[item].status, current[item].note = status, note
        else:
            visit.checks.append(VisitCheck(item=item, status=status, note=note))


def _snapshot(visit: Visit) -> dict:
    data = audit.snapshot(visit, VISIT_FIELDS[:-1])
    data["checklist"] = _checklist_text(visit.checks)
    return data


def _payload(visit: Visit) -> dict:
    return {"household_id": visit.household_id, "kind": visit.kind, "visited_at": visit.visited_at.isoformat(),
            "follow_up": visit.follow_up,
            "follow_up_due": visit.follow_up_due.isoformat() if visit.follow_up_due else None,
            "problems": [c.item for c in visit.checks if c.status != "正常"]}


def record_visit(user, household: Household, values: dict) -> Visit:
    """Save a visit to a household of the user's area (the route has scoped the household)."""
    clean, errors = _clean(values)
    if errors:
        raise Invalid(errors)
    visit = Visit(household_id=household.id, region_id=household.region_id, visitor_id=user.id, updated_by=user.id)
    _apply(visit, clean)
    db.session.add(visit)
    db.session.flush()
    audit.record("visit.create", visit, changes={k: [None, v] for k, v in _snapshot(visit).items()
                                                 if v not in (None, "", False)}, detail=household.number)
    outbox.emit(VISIT_RECORDED, visit, region_id=visit.region_id, payload=_payload(visit))
    db.session.commit()
    return visit


def may_edit(user, visit: Visit) -> bool:
    """Within 24 hours the visitor or an officer may edit; afterwards only an officer."""
    if user.can(VISITS_MANAGE):
        return True
    return visit.visitor_id == user.id and utcnow() - visit.created_at <= EDIT_WINDOW


def update_visit(user, visit: Visit, values: dict, *, version=None) -> Visit:
    """Edit a visit; every change is audited with before and after; a form from an older version is refused."""
    if not may_edit(user, visit):
        raise Invalid("超过 24 小时的走访记录（或他人的记录）须由社区及以上管理员修改")
    check_version(visit, version)
    clean, errors = _clean(values)
    if errors:
        raise Invalid(errors)
    before = _snapshot(visit)
    _apply(visit, clean)
    db.session.flush()
    after = _snapshot(visit)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        visit.updated_by, visit.updated_at = user.id, utcnow()
        audit.record("visit.update", visit, changes=changes)
        outbox.emit(VISIT_UPDATED, visit, region_id=visit.region_id,
                    payload=dict(_payload(visit), changed=sorted(changes)))
    db.session.commit()
    return visit


def ticket_url(visit: Visit) -> str | None:
    """The 报障 form prefilled with this visit's household page and a title; None without a ticket area."""
    if "tickets.new" not in current_app.view_functions:
        return None
    origin = url_for("households.show", household_id=visit.household_id)
    title = f"入户走访发现问题（{(visit.visited_at + CHINA_OFFSET):%Y-%m-%d}）"
    return url_for("tickets.new", title=title, **{"from": origin})


def form_values(visit: Visit) -> dict:
    """A visit as the form's data."""
    local = visit.visited_at + CHINA_OFFSET
    values = {"visited_on": local.date(), "visited_time": local.time().replace(second=0, microsecond=0),
              "kind": visit.kind, "participants": visit.participants, "findings": visit.findings,
              "follow_up": visit.follow_up, "follow_up_due": visit.follow_up_due, "row_version": visit.row_version}
    for check in visit.checks:
        index = CHECK_ITEMS.index(check.item) if check.item in CHECK_ITEMS else None
        if index is not None:
            values[f"c{index}"], values[f"n{index}"] = check.status, check.note
    return values


# Visit policies -------------------------------------------------------------------------------------------------

def ensure_policies() -> None:
    """Seed the default intervals once."""
    if db.session.execute(db.select(VisitPolicy.id).limit(1)).first():
        return
    for tag, days in DEFAULT_POLICIES.items():
        db.session.add(VisitPolicy(tag=tag, interval_days=days))
    db.session.flush()


def policies() -> dict[str, int]:
    """tag → interval in days (one query)."""
    rows = db.session.execute(db.select(VisitPolicy.tag, VisitPolicy.interval_days)).all()
    return dict(rows) if rows else dict(DEFAULT_POLICIES)


def policy_rows() -> list[VisitPolicy]:
    """Every policy for the admin page, default last."""
    rows = list(db.session.execute(db.select(VisitPolicy).order_by(VisitPolicy.interval_days, VisitPolicy.tag))
                .scalars())
    return sorted(rows, key=lambda p: p.tag == DEFAULT_POLICY_TAG)


def set_policy(user, tag: str, interval_days: int | None, known_tags) -> VisitPolicy:
    """Add or change the interval of a tag (the default is tag '*'); audited."""
    tag = (tag or "").strip()
    errors = {}
    if tag != DEFAULT_POLICY_TAG and tag not in known_tags:
        errors["tag"] = "请从户标签字典中选择"
    if not isinstance(interval_days, int) or not 1 <= interval_days <= 366:
        errors["interval_days"] = "走访周期须为 1–366 天"
    if errors:
        raise Invalid(errors)
    ensure_policies()
    row = db.session.execute(db.select(VisitPolicy).where(VisitPolicy.tag == tag)).scalar_one_or_none()
    if row is None:
        row = VisitPolicy(tag=tag, interval_days=interval_days, updated_by=user.id)
        db.session.add(row)
        db.session.flush()
        audit.record("visit_policy.create", row, changes={"tag": [None, tag], "interval_days": [None, interval_days]})
    elif row.interval_days != interval_days:
        audit.record("visit_policy.update", row, changes={"interval_days": [row.interval_days, interval_days]},
                     detail=tag)
        row.interval_days, row.updated_by = interval_days, user.id
    db.session.commit()
    return row


def delete_policy(user, policy_id: int) -> None:
    """Remove a tag's own interval (the default stays); audited."""
    row = db.session.get(VisitPolicy, policy_id)
    if row is None or row.tag == DEFAULT_POLICY_TAG:
        raise Invalid("默认走访周期不能删除")
    audit.record("visit_policy.delete", row, changes={"interval_days": [row.interval_days, None]}, detail=row.tag)
    db.session.delete(row)
    db.session.commit()
