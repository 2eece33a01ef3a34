"""系统使用统计: accounts and logins per child region (等保 review of who uses the portal)."""
from sqlalchemy import func

from app.blueprints.reports.registry import report
from app.blueprints.reports.rows import child_regions, subtree
from app.extensions import db
from app.models.audit import AuditLog
from app.models.user import User

COLUMNS = [
    ("区域", ["区域"]),
    ("账号", ["账号总数", "已停用", "待改初始密码"]),
    ("本月登录", ["成功", "失败", "失败占比"]),
]
KINDS = ["int", "int", "int", "int", "int", "pct"]


def _counts(region, period) -> list:
    users = db.select(User.id).where(User.region_id.in_(subtree(region)))
    total, disabled, pending = db.session.execute(db.select(
        func.count(User.id), func.count(User.id).filter(User.is_enabled.is_(False)),
        func.count(User.id).filter(User.must_change_password.is_(True)),
    ).where(User.region_id.in_(subtree(region)))).one()
    logins = db.select(AuditLog.action, func.count(AuditLog.id)).where(
        AuditLog.actor_id.in_(users), AuditLog.at >= period.start_utc, AuditLog.at < period.end_utc,
        AuditLog.action.in_(("auth.login", "auth.login_failed"))).group_by(AuditLog.action)
    by_action = dict(db.session.execute(logins).all())
    ok, failed = by_action.get("auth.login", 0), by_action.get("auth.login_failed", 0)
    return [total, disabled, pending, ok, failed, failed / (ok + failed) if ok + failed else 0]


@report("usage", "系统使用统计", "各下级区域的账号数、停用与待改密账号、本月登录成功与失败次数")
def build(book, region, period) -> int:
    """One row per child region and a totals row computed over the whole region."""
    book.title(f"{region.name}系统使用统计表", f"统计范围：{region.name}　　统计期间：{period.label}", 7)
    book.columns([22, 10, 10, 14, 10, 10, 10])
    book.headers(COLUMNS)
    rows = 0
    for child in child_regions(region):
        book.data_row([child.name, *_counts(child, period)], ["text", *KINDS])
        rows += 1
    book.totals_row("合计", _counts(region, period), KINDS)
    return rows
