"""Roles, named permissions and the route decorator that checks them."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

# Roles (one per user).
SYSADMIN = "sysadmin"
COUNTY_ADMIN = "county_admin"
TOWN_ADMIN = "town_admin"
COMMUNITY_ADMIN = "community_admin"
GRID_WORKER = "grid_worker"
DEPARTMENT = "department"
CREDIT_ADMIN = "credit_admin"
OPS_ENGINEER = "ops_engineer"
OPS_SUPERVISOR = "ops_supervisor"
KIOSK = "kiosk"

ROLE_LABELS = {
    SYSADMIN: "系统管理员",
    COUNTY_ADMIN: "县级管理员",
    TOWN_ADMIN: "乡镇管理员",
    COMMUNITY_ADMIN: "社区(村)管理员",
    GRID_WORKER: "网格员",
    DEPARTMENT: "部门用户",
    CREDIT_ADMIN: "信用管理员",
    OPS_ENGINEER: "运维工程师",
    OPS_SUPERVISOR: "运维主管",
    KIOSK: "自助终端",
}
ROLES = tuple(ROLE_LABELS)

# Permissions: each route names exactly one.
HOME_VIEW = "home.view"
USERS_MANAGE = "users.manage"
REGIONS_VIEW = "regions.view"
REGIONS_MANAGE = "regions.manage"
AUDIT_VIEW = "audit.view"
AUDIT_EXPORT = "audit.export"
JOBS_MONITOR = "jobs.monitor"
ARCHIVE_VIEW = "archive.view"
ARCHIVE_EDIT = "archive.edit"
PII_REVEAL = "pii.reveal"
KIOSK_USE = "kiosk.use"
CALENDAR_MANAGE = "calendar.manage"
DISPATCH_MANAGE = "dispatch.manage"
REPORTS_VIEW = "reports.view"
MESSAGES_VIEW = "messages.view"
POOL_IMPORT = "pool.import"
ARCHIVE_RECYCLE = "archive.recycle"
TAGS_MANAGE = "tags.manage"
CREDIT_VIEW = "credit.view"
CREDIT_ENTER = "credit.enter"
CREDIT_MANAGE = "credit.manage"
KIOSK_ENROLL = "kiosk.enroll"

PERMISSION_LABELS = {
    HOME_VIEW: "工作台",
    USERS_MANAGE: "用户管理",
    REGIONS_VIEW: "查看区划",
    REGIONS_MANAGE: "维护区划",
    AUDIT_VIEW: "查看审计日志",
    AUDIT_EXPORT: "导出审计日志",
    JOBS_MONITOR: "任务监控",
    ARCHIVE_VIEW: "查看户档",
    ARCHIVE_EDIT: "维护户档",
    PII_REVEAL: "查看完整身份证号/手机号",
    KIOSK_USE: "自助终端",
    CALENDAR_MANAGE: "维护工作日历",
    DISPATCH_MANAGE: "数据分发管理",
    REPORTS_VIEW: "统计报表",
    MESSAGES_VIEW: "查看短信/邮件日志",
    POOL_IMPORT: "导入数据资源池",
    ARCHIVE_RECYCLE: "户档回收站",
    TAGS_MANAGE: "维护标签字典",
    CREDIT_VIEW: "查看信用信息",
    CREDIT_ENTER: "录入信用记录、答复异议",
    CREDIT_MANAGE: "信用管理（异议、修复、评分模型、报告撤销）",
    KIOSK_ENROLL: "登记自助终端",
}

_STAFF = {HOME_VIEW}
_AREA_OFFICER = _STAFF | {REGIONS_VIEW, ARCHIVE_VIEW, ARCHIVE_EDIT}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    SYSADMIN: frozenset(set(PERMISSION_LABELS) - {KIOSK_USE}),
    COUNTY_ADMIN: frozenset(_AREA_OFFICER | {REPORTS_VIEW, USERS_MANAGE, REGIONS_MANAGE, AUDIT_VIEW, AUDIT_EXPORT,
                                             PII_REVEAL, CALENDAR_MANAGE, DISPATCH_MANAGE}),
    TOWN_ADMIN: frozenset(_AREA_OFFICER | {REPORTS_VIEW, USERS_MANAGE, AUDIT_VIEW, PII_REVEAL}),
    COMMUNITY_ADMIN: frozenset(_AREA_OFFICER | {REPORTS_VIEW, PII_REVEAL}),
    GRID_WORKER: frozenset(_AREA_OFFICER),
    DEPARTMENT: frozenset(_STAFF | {REPORTS_VIEW, CREDIT_VIEW, CREDIT_ENTER}),
    CREDIT_ADMIN: frozenset(_STAFF | {PII_REVEAL, CREDIT_VIEW, CREDIT_ENTER, CREDIT_MANAGE, KIOSK_ENROLL}),
    OPS_ENGINEER: frozenset(_STAFF),
    OPS_SUPERVISOR: frozenset(_STAFF | {JOBS_MONITOR}),
    KIOSK: frozenset({HOME_VIEW, KIOSK_USE}),
}

# Households and the data resource pool: departments feed the pool; county and town admins keep the recycle bin.
for _role, _extra in {COUNTY_ADMIN: {POOL_IMPORT, ARCHIVE_RECYCLE, TAGS_MANAGE}, TOWN_ADMIN: {ARCHIVE_RECYCLE},
                      DEPARTMENT: {POOL_IMPORT}}.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra


# Ops tickets (appended; grants extend the roles above).
TICKETS_FILE = "tickets.file"
TICKETS_WORK = "tickets.work"
TICKETS_SUPERVISE = "tickets.supervise"
TICKETS_POLICY = "tickets.policy"
PERMISSION_LABELS.update({
    TICKETS_FILE: "报障（提交运维工单）",
    TICKETS_WORK: "处理运维工单",
    TICKETS_SUPERVISE: "审核/指派运维工单",
    TICKETS_POLICY: "维护 SLA 策略",
})
_TICKET_GRANTS = {
    SYSADMIN: {TICKETS_FILE, TICKETS_WORK, TICKETS_SUPERVISE, TICKETS_POLICY},
    OPS_ENGINEER: {TICKETS_FILE, TICKETS_WORK},
    OPS_SUPERVISOR: {TICKETS_FILE, TICKETS_WORK, TICKETS_SUPERVISE, TICKETS_POLICY},
}
for _role in ROLES:
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _TICKET_GRANTS.get(_role, {TICKETS_FILE})

# Visits and moves: grid workers record visits; officers see lists and coverage, edit old visits and approve moves.
VISITS_RECORD = "visits.record"
VISITS_MANAGE = "visits.manage"
VISIT_POLICY = "visits.policy"
MOVES_MANAGE = "moves.manage"
PERMISSION_LABELS.update({VISITS_RECORD: "入户走访", VISITS_MANAGE: "走访管理与统计", VISIT_POLICY: "维护走访周期",
                          MOVES_MANAGE: "迁入迁出办理"})
for _role, _extra in {GRID_WORKER: {VISITS_RECORD}, COMMUNITY_ADMIN: {VISITS_RECORD, VISITS_MANAGE, MOVES_MANAGE},
                      TOWN_ADMIN: {VISITS_RECORD, VISITS_MANAGE, MOVES_MANAGE},
                      COUNTY_ADMIN: {VISITS_RECORD, VISITS_MANAGE, MOVES_MANAGE, VISIT_POLICY},
                      SYSADMIN: {VISITS_RECORD, VISITS_MANAGE, MOVES_MANAGE, VISIT_POLICY}}.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra

def role_has(role: str, permission: str) -> bool:
    """True when the role grants the permission."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def requires(permission: str):
    """Route decorator: a logged-in user whose role grants `permission`, else 403."""
    if permission not in PERMISSION_LABELS:
        raise ValueError(f"unknown permission {permission}")

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = permission
        return wrapped

    return decorator
