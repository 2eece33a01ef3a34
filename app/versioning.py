"""Refusing lost updates: an edit form carries the row version it was rendered from, and a stale save is refused.

Two layers: `check_version` compares the form's version with the row (locked on PostgreSQL), which covers forms
left open for minutes; the models' `version_id_col` makes the UPDATE itself conditional, which covers two saves
in the same instant (the loser gets the same message from the error handler).
"""
from sqlalchemy.orm.exc import StaleDataError

from app.clock import to_local
from app.extensions import db
from app.validation import Invalid

STALE_MESSAGE = "该记录已被他人修改"
MAX_LISTED = 10
# Names for changed fields when the refused form has no field of that name (a button, another panel's form).
FIELD_LABELS = {
    "state": "状态", "status": "状态", "severity": "级别", "system_id": "系统", "contract_id": "服务合同",
    "assignee_id": "处理人", "team": "班组", "fulfilment": "履约状态", "content": "内容", "doc_number": "文号",
    "decision_date": "决定日期", "pub_end": "公示截止日", "road": "路/街/组", "notes": "备注", "kind": "类型",
    "findings": "走访情况", "participants": "见面人员", "department": "部门", "paused": "暂停", "cursor": "分发位置",
    "name": "姓名", "phone": "手机号", "residence_status": "人员状态", "tags": "标签", "relation": "与户主关系",
}


class StaleEdit(Invalid):
    """A save from a form rendered before someone else's save; `history` says who changed what since."""

    def __init__(self, current_version: int, history: list[dict]):
        self.current_version = current_version
        self.history = history
        super().__init__({"": [self.headline()] + [self.describe(entry, {}) for entry in history]})

    @staticmethod
    def headline() -> str:
        return (f"{STALE_MESSAGE}：您打开此表单后，别人保存了下列修改。您填写的内容仍保留在表单中，"
                f"请核对后再次保存（再次保存将以您填写的内容为准）。")

    @staticmethod
    def describe(entry: dict, labels: dict) -> str:
        """'张三 于 06-17 10:05 修改：道路“甲”→“乙”'."""
        parts = [f"{labels.get(name) or FIELD_LABELS.get(name, name)}“{_shown(old)}”→“{_shown(new)}”"
                 for name, (old, new) in (entry.get("changes") or {}).items()]
        when = to_local(entry["at"]).strftime("%m-%d %H:%M") if entry.get("at") else ""
        return f"{entry.get('actor') or '他人'} 于 {when} 修改：{'；'.join(parts) or '（未记录字段）'}"

    def attach(self, form) -> list[str]:
        """Show the changes (field by field where the form has the field) and take the current version."""
        labels = {name: field.label.text for name, field in form._fields.items() if hasattr(field, "label")}
        for entry in self.history:
            for name, (_old, new) in (entry.get("changes") or {}).items():
                field = form._fields.get(name)
                if field is not None and hasattr(field, "errors"):
                    field.errors = list(field.errors) + [f"{STALE_MESSAGE}：现为“{_shown(new)}”"]
        if "row_version" in form._fields:
            form.row_version.data = str(self.current_version)
        return [self.headline()] + [self.describe(entry, labels) for entry in self.history]


def check_version(obj, submitted) -> None:
    """Refuse with StaleEdit when the form's version is not the row's; a form without a version is not checked."""
    if submitted in (None, ""):
        return
    try:
        submitted = int(submitted)
    except (TypeError, ValueError):
        raise Invalid("表单版本信息无效，请重新打开页面后再保存") from None
    # Lock the row until this transaction ends, so a concurrent save waits and then sees the new version. A plain
    # column query: PostgreSQL refuses FOR UPDATE on the outer joins that eager relationships add.
    model = type(obj)
    current = db.session.execute(db.select(model.row_version).where(model.id == obj.id)
                                 .with_for_update()).scalar_one()
    if current != obj.row_version:
        db.session.refresh(obj)  # show (and later update) the row as it is now
    if submitted != current:
        raise StaleEdit(current, changes_since(obj, max(1, current - submitted)))


def changes_since(obj, count: int) -> list[dict]:
    """The last `count` audited changes of a row, oldest first (logins and other change-less rows skipped)."""
    from app.models.audit import AuditLog

    # A JSON column stores None as JSON null, which IS NOT NULL matches, so change-less rows are skipped here.
    rows = db.session.execute(
        db.select(AuditLog).where(AuditLog.object_type == obj.__tablename__, AuditLog.object_id == str(obj.id))
        .order_by(AuditLog.id.desc()).limit(MAX_LISTED * 5)).scalars()
    changed = [row for row in rows if row.changes][:min(count, MAX_LISTED)]
    return [{"actor": row.actor_name, "at": row.at, "changes": row.changes} for row in reversed(changed)]


def bump(obj) -> None:
    """Count a person's change on a row whose version the ORM does not manage (changed by background work too)."""
    obj.row_version = (obj.row_version or 0) + 1


def _shown(value) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "空"
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def init_app(app) -> None:
    """Two saves in the same instant: the ORM's conditional UPDATE matched no row; nothing was saved."""
    from app.errors import render_error

    @app.errorhandler(StaleDataError)
    def stale(error):
        db.session.rollback()
        return render_error(409, f"{STALE_MESSAGE}（几乎同时有人保存），您的修改未保存。请返回重新打开后再修改。")
