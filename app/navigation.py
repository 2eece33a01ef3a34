"""The navigation menu: each entry shows only to users whose role grants its permission."""
from flask_login import current_user

from app.security import permissions as P

# (label, endpoint, permission). MENU is daily work, shown as links; ADMIN_MENU folds under 管理.
MENU = [
    ("工作台", "home.index", P.HOME_VIEW),
    ("今日走访", "visits.today", P.VISITS_RECORD),
    ("户档", "households.index", P.ARCHIVE_VIEW),
    ("走访记录", "visits.index", P.VISITS_MANAGE),
    ("走访统计", "visits.coverage", P.VISITS_MANAGE),
    ("迁入迁出", "moves.index", P.MOVES_MANAGE),
    ("冲突核实", "pool.conflicts", P.ARCHIVE_VIEW),
    ("数据导入", "pool.imports", P.POOL_IMPORT),
    ("统计报表", "reports.index", P.REPORTS_VIEW),
    ("信用主体", "credit.subjects", P.CREDIT_VIEW),
    ("异议修复", "credit.queues", P.CREDIT_VIEW),
    ("信用名单", "credit.credit_lists", P.CREDIT_VIEW),
    ("信用报告", "credit.reports", P.CREDIT_VIEW),
    ("信用统计", "credit.stats", P.CREDIT_VIEW),
    ("运维工单", "tickets.index", P.TICKETS_FILE),
    ("工单看板", "tickets.board", P.TICKETS_WORK),
    ("待审核", "tickets.review", P.TICKETS_SUPERVISE),
    ("运维统计", "tickets.dash", P.TICKETS_SUPERVISE),
]
ADMIN_MENU = [
    ("用户管理", "admin.users", P.USERS_MANAGE),
    ("行政区划", "admin.regions", P.REGIONS_VIEW),
    ("审计日志", "admin.audit", P.AUDIT_VIEW),
    ("标签字典", "households.tag_dictionary", P.TAGS_MANAGE),
    ("一数一源", "pool.field_mapping", P.TAGS_MANAGE),
    ("回收站", "households.recycle_bin", P.ARCHIVE_RECYCLE),
    ("走访周期", "visits.policies", P.VISIT_POLICY),
    ("SLA 策略", "tickets.policy_list", P.TICKETS_POLICY),
    ("评分模型", "credit.score_models", P.CREDIT_MANAGE),
    ("失信规则核查", "credit.rules_review", P.CREDIT_MANAGE),
    ("自助终端", "credit.kiosks", P.KIOSK_ENROLL),
    ("工作日历", "admin.calendar", P.CALENDAR_MANAGE),
    ("消息日志", "admin.messages", P.MESSAGES_VIEW),
    ("数据分发", "dispatch.index", P.DISPATCH_MANAGE),
    ("机器人管理", "monitor.index", P.JOBS_MONITOR),
]


def _allowed(entries) -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [(label, endpoint) for label, endpoint, permission in entries if current_user.can(permission)]


def nav_items() -> list[tuple[str, str]]:
    """Daily-work (label, endpoint) pairs the current user may open."""
    return _allowed(MENU)


def admin_items() -> list[tuple[str, str]]:
    """Administration (label, endpoint) pairs the current user may open."""
    return _allowed(ADMIN_MENU)


def unread_notifications() -> int:
    """Unread count for the bell (one indexed count per full page)."""
    from app.blueprints.notifications.services import unread_count

    return unread_count(current_user.id) if current_user.is_authenticated else 0


def init_app(app) -> None:
    """Expose the menu and the bell count to templates."""
    app.add_template_global(nav_items)
    app.add_template_global(admin_items)
    app.add_template_global(unread_notifications)
