"""Visit and move exports to XLSX, streamed in constant memory."""
from app.clock import to_local
from app.extensions import db
from app.models.user import User
from app.security import audit
from app.spreadsheets import header_format, print_setup, streaming_workbook
from workers.context import portal_job

VISIT_HEADERS = ("走访时间", "户号", "网格", "走访人", "类型", "见面人员", "检查情况", "走访情况", "需要跟进",
                 "跟进期限")
MOVE_HEADERS = ("编号", "类型", "状态", "人员", "迁出户", "迁入户", "迁出区域", "迁入区域", "外部地点", "发生日期",
                "原因", "申请时间", "处理时间", "拒绝原因")
BATCH = 1000


def _workbook(path, title, headers):
    workbook = streaming_workbook(path)
    sheet = workbook.add_worksheet(title)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, len(headers) - 1, 14)
    sheet.write_row(0, 0, headers, header_format(workbook))
    return workbook, sheet


def _close(workbook, sheet, written: int, headers) -> None:
    print_setup(sheet, last_row=written, last_col=len(headers) - 1)
    workbook.close()


def _when(value) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


@portal_job
def export_visits(ctx, viewer_id: int, filters: dict):
    """The filtered visits of the viewer's area, one row each with its checklist."""
    from app.blueprints.visits.queries import parse_filters, visits_query

    viewer = db.session.get(User, viewer_id)
    stmt = visits_query(viewer, parse_filters(_Args(filters)))
    total = db.session.execute(db.select(db.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    path = ctx.result_file("visits.xlsx")
    workbook, sheet = _workbook(path, "走访记录", VISIT_HEADERS)
    written = 0
    for visit, number, visitor, grid in db.session.execute(stmt.execution_options(yield_per=BATCH)):
        written += 1
        checks = "；".join(f"{c.item}:{c.status}" for c in visit.checks)
        sheet.write_row(written, 0, (_when(visit.visited_at), number, grid, visitor, visit.kind, visit.participants,
                                     checks, visit.findings, "是" if visit.follow_up else "否",
                                     visit.follow_up_due.isoformat() if visit.follow_up_due else ""))
        if written % BATCH == 0:
            ctx.progress(written * 100 // max(total, 1), f"已写入 {written} / {total} 行")
            db.session.expunge_all()
    _close(workbook, sheet, written, VISIT_HEADERS)
    audit.record("visits.export", object_type="visit", detail=f"{written} 行", actor=viewer)
    db.session.commit()
    return {"path": str(path), "name": "走访记录.xlsx", "message": f"共导出 {written} 条走访记录"}


@portal_job
def export_moves(ctx, viewer_id: int, filters: dict):
    """The filtered moves of the viewer's area."""
    from app.blueprints.moves.queries import move_rows, parse_filters

    viewer = db.session.get(User, viewer_id)
    path = ctx.result_file("moves.xlsx")
    workbook, sheet = _workbook(path, "迁入迁出", MOVE_HEADERS)
    written = 0
    for row in move_rows(viewer, parse_filters(_Args(filters))):
        move = row.move
        written += 1
        sheet.write_row(written, 0, (move.id, move.kind_label, move.state_label, move.person_name,
                                     row.from_number, row.to_number, row.from_region, row.to_region, move.place,
                                     move.event_date.isoformat(), move.reason, _when(move.requested_at),
                                     _when(move.decided_at), move.reject_reason))
    _close(workbook, sheet, written, MOVE_HEADERS)
    audit.record("moves.export", object_type="move", detail=f"{written} 行", actor=viewer)
    db.session.commit()
    return {"path": str(path), "name": "迁入迁出.xlsx", "message": f"共导出 {written} 条"}


class _Args(dict):
    """Plain filter values read like request args."""

    def get(self, key, default=None, type=None):  # noqa: A002 - mirrors werkzeug's MultiDict.get
        value = super().get(key, default)
        if type is not None and value not in (None, ""):
            try:
                return type(value)
            except (TypeError, ValueError):
                return default
        return value
