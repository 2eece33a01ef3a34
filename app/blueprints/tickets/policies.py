"""SLA policies per contract and severity: listing and editing (audited)."""
import re

from flask import abort

from app.extensions import db
from app.models.ticket import CALENDARS, ServiceContract, SlaPolicy, TicketSystem
from app.security import audit
from app.security import permissions as P
from app.validation import Invalid

POLICY_FIELDS = ("response_minutes", "resolution_minutes", "onsite_minutes", "calendar", "business_start",
                 "business_end")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


def all_policies() -> list[SlaPolicy]:
    """Every policy, by contract then severity."""
    return list(db.session.execute(db.select(SlaPolicy).join(ServiceContract).order_by(
        ServiceContract.code, SlaPolicy.severity)).scalars())


def active_systems() -> list[TicketSystem]:
    """Systems a ticket can be filed against."""
    return list(db.session.execute(db.select(TicketSystem).where(TicketSystem.is_active.is_(True)).order_by(
        TicketSystem.id)).scalars())


def get_policy_or_404(policy_id: int) -> SlaPolicy:
    """One policy."""
    policy = db.session.get(SlaPolicy, policy_id)
    if policy is None:
        abort(404)
    return policy


def update_policy(actor, policy: SlaPolicy, *, response_minutes: int | None, resolution_minutes: int | None,
                  onsite_minutes: int | None, calendar: str, business_start: str, business_end: str) -> SlaPolicy:
    """Change a policy's targets; open tickets keep the targets they were filed with."""
    if not actor.can(P.TICKETS_POLICY):
        abort(403)
    errors = {}
    if not response_minutes or response_minutes <= 0:
        errors["response_minutes"] = "响应时限须为正整数（分钟）"
    if not resolution_minutes or resolution_minutes <= 0:
        errors["resolution_minutes"] = "解决时限须为正整数（分钟）"
    elif response_minutes and resolution_minutes < response_minutes:
        errors["resolution_minutes"] = "解决时限不能短于响应时限"
    if onsite_minutes is not None and onsite_minutes <= 0:
        errors["onsite_minutes"] = "到场时限须为正整数，或留空"
    if calendar not in CALENDARS:
        errors["calendar"] = "请选择日历"
    if not _HHMM.match(business_start or ""):
        errors["business_start"] = "格式应为 HH:MM"
    if not _HHMM.match(business_end or ""):
        errors["business_end"] = "格式应为 HH:MM"
    elif _HHMM.match(business_start or "") and business_end <= business_start:
        errors["business_end"] = "下班时间须晚于上班时间"
    if errors:
        raise Invalid(errors)
    before = audit.snapshot(policy, POLICY_FIELDS)
    policy.response_minutes, policy.resolution_minutes = response_minutes, resolution_minutes
    policy.onsite_minutes, policy.calendar = onsite_minutes, calendar
    policy.business_start, policy.business_end = business_start, business_end
    diff = audit.changed(before, policy)
    if diff:
        audit.record("ticket.policy_update", policy, changes=diff)
    db.session.commit()
    return policy


# The contracts' promises (issue text): 10 min response; P2 solved 30 min after response; P1 restored in 3 days
# with 1 h on site, 24-hour handling; consultations on business hours.
DEFAULT_POLICIES = (
    ("P1", 10, 3 * 24 * 60, 60, "24x7"),
    ("P2", 10, 40, None, "24x7"),
    ("P3", 60, 2 * 8 * 60, None, "business"),
)


def all_contracts() -> list[ServiceContract]:
    """Every contract by code."""
    return list(db.session.execute(db.select(ServiceContract).order_by(ServiceContract.code)).scalars())


def all_systems() -> list[TicketSystem]:
    """Every system, active or not."""
    return list(db.session.execute(db.select(TicketSystem).order_by(TicketSystem.id)).scalars())


def add_contract(actor, *, code: str, name: str, vendor: str, hours_per_person_day) -> ServiceContract:
    """A new contract with the default policies for each severity (edit them afterwards)."""
    from decimal import Decimal, InvalidOperation

    if not actor.can(P.TICKETS_POLICY):
        abort(403)
    code, name = (code or "").strip(), (name or "").strip()
    errors = {}
    if not code:
        errors["code"] = "请填写合同编号"
    elif db.session.execute(db.select(ServiceContract.id).where(ServiceContract.code == code)).first():
        errors["code"] = "该合同编号已存在"
    if not name:
        errors["name"] = "请填写合同名称"
    try:
        per_day = Decimal(str(hours_per_person_day))
    except (InvalidOperation, ValueError):
        per_day = Decimal(0)
    if not Decimal("1") <= per_day <= Decimal("24"):
        errors["hours_per_person_day"] = "每人天工时应在 1–24 小时之间"
    if errors:
        raise Invalid(errors)
    contract = ServiceContract(code=code[:32], name=name[:128], vendor=(vendor or "").strip()[:128],
                               hours_per_person_day=per_day)
    db.session.add(contract)
    db.session.flush()
    for severity, response, resolution, onsite, calendar in DEFAULT_POLICIES:
        db.session.add(SlaPolicy(contract_id=contract.id, severity=severity, response_minutes=response,
                                 resolution_minutes=resolution, onsite_minutes=onsite, calendar=calendar))
    audit.record("ticket.contract_create", contract, changes={"code": [None, contract.code],
                                                               "name": [None, contract.name]})
    db.session.commit()
    return contract


def add_system(actor, *, code: str, name: str, contract_id: int) -> TicketSystem:
    """A new affected system under a contract."""
    if not actor.can(P.TICKETS_POLICY):
        abort(403)
    code, name = (code or "").strip(), (name or "").strip()
    errors = {}
    if not code:
        errors["code"] = "请填写系统编号"
    elif db.session.execute(db.select(TicketSystem.id).where(TicketSystem.code == code)).first():
        errors["code"] = "该系统编号已存在"
    if not name:
        errors["name"] = "请填写系统名称"
    if not contract_id or db.session.get(ServiceContract, contract_id) is None:
        errors["contract_id"] = "请选择服务合同"
    if errors:
        raise Invalid(errors)
    system = TicketSystem(code=code[:32], name=name[:128], contract_id=contract_id)
    db.session.add(system)
    db.session.flush()
    audit.record("ticket.system_create", system, changes={"code": [None, system.code], "name": [None, system.name],
                                                           "contract_id": [None, contract_id]})
    db.session.commit()
    return system


def set_system_active(actor, system_id: int, active: bool) -> TicketSystem:
    """Retire a system (existing tickets keep it) or bring it back."""
    if not actor.can(P.TICKETS_POLICY):
        abort(403)
    system = db.session.get(TicketSystem, system_id)
    if system is None:
        abort(404)
    before = audit.snapshot(system, ("is_active",))
    system.is_active = active
    audit.record("ticket.system_update", system, changes=audit.changed(before, system))
    db.session.commit()
    return system
