"""Audit log export to XLSX."""
from app.clock import to_local
from app.extensions import db
from app.models.user import User
from app.spreadsheets import header_format, print_setup, streaming_workbook
from workers.context import portal_job

HEADERS = ("编号", "时间（北京时间）", "用户", "操作", "对象类型", "对象", "结果", "客户端地址", "变更", "说明",
           "操作代码")
BATCH = 2000
OUTCOMES = {"ok": "成功", "refused": "拒绝", "failed": "失败"}


@portal_job
def export_audit_log(ctx, viewer_id: int, filters: dict):
    """Write the filtered audit log to a workbook, streaming rows (constant memory)."""
    from app.blueprints.admin.audit_log import audit_query
    from app.blueprints.admin.audit_names import object_names
    from app.security.audit_labels import action_label, object_label

    viewer = db.session.get(User, viewer_id)
    stmt = audit_query(viewer, filters)
    total = db.session.execute(db.select(db.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    path = ctx.result_file("audit-log.xlsx")
    workbook = streaming_workbook(path)
    sheet = workbook.add_worksheet("审计日志")
    bold = header_format(workbook)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 7, 14)
    sheet.set_column(8, 9, 40)
    sheet.write_row(0, 0, HEADERS, bold)
    written = 0
    batch: list = []
    for row in db.session.execute(stmt.execution_options(yield_per=BATCH)).scalars():
        batch.append(row)
        if len(batch) == BATCH:
            written = _write(sheet, batch, written, object_names, action_label, object_label)
            batch = []
            ctx.progress(written * 100 // max(total, 1), f"已写入 {written} / {total} 行")
    written = _write(sheet, batch, written, object_names, action_label, object_label)
    print_setup(sheet, last_row=written, last_col=len(HEADERS) - 1, repeat_columns=2)
    workbook.close()
    return {"path": str(path), "name": "审计日志.xlsx", "message": f"共导出 {written} 行"}


def _write(sheet, rows, written: int, object_names, action_label, object_label) -> int:
    """One batch of rows, with the object names looked up once per batch."""
    names = object_names(rows)
    for row in rows:
        written += 1
        sheet.write_row(written, 0, (
            row.id, to_local(row.at).strftime("%Y-%m-%d %H:%M:%S"), row.actor_name, action_label(row.action),
            object_label(row.object_type), names.get((row.object_type, str(row.object_id))) or row.object_id,
            OUTCOMES.get(row.outcome, row.outcome), row.address, _changes_text(row.changes), row.detail, row.action,
        ))
    return written


def _changes_text(changes: dict | None) -> str:
    if not changes:
        return ""
    return "; ".join(f"{field}: {old} → {new}" for field, (old, new) in changes.items())
