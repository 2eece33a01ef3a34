"""Pool jobs: importing a department source file, and the cross-check of archives against the pool."""
from pathlib import Path

from app.clock import utcnow
from app.extensions import db
from app.models.source import ImportBatch
from app.models.user import User
from app.security import audit
from app.spreadsheets import header_format, print_setup, streaming_workbook
from workers.context import UserFacingJobError, portal_job

MAX_LISTED_REJECTS = 200


@portal_job
def import_source_file(ctx, batch_id: int):
    """Validate and upsert every row; rejected rows (with row number and reason) go to an XLSX."""
    from app.blueprints.pool.importer import import_rows, open_source_file
    from app.imports.reader import FileRejected
    from app.blueprints.pool.sources import SOURCES

    batch = db.session.get(ImportBatch, batch_id)
    batch.state, batch.error = "running", None
    db.session.commit()
    rejects_path = ctx.result_file("rejected-rows.xlsx")
    workbook = streaming_workbook(rejects_path)
    sheet = workbook.add_worksheet("未导入的行")
    headers = ["行号", "原因", *SOURCES[batch.source].headers]
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, len(headers) - 1, 14)
    sheet.write_row(0, 0, headers, header_format(workbook))
    listed: list = []

    def on_reject(number, reason, cells):
        listed.append(number)
        sheet.write_row(len(listed), 0, [number, reason, *cells])
        if len(listed) <= MAX_LISTED_REJECTS:
            batch_rejects.append([number, reason])

    def on_progress(counts):
        if db.engine.dialect.name == "sqlite":  # the import holds SQLite's only write lock until it commits
            return
        percent = min(99, counts["total"] * 100 // expected) if expected else 0
        ctx.progress(percent, f"已处理 {counts['total']} 行，未通过 {counts['rejected']} 行")

    batch_rejects: list = []
    expected = 0
    try:
        table = open_source_file(batch.source, Path(batch.stored_path), batch.stored_path)
        expected = table.estimated_rows
        counts = import_rows(batch.source, batch.id, table, on_reject, on_progress)
    except FileRejected as exc:
        workbook.close()
        db.session.rollback()
        _finish(batch_id, state="failed", error=str(exc))
        raise UserFacingJobError(str(exc)) from None
    print_setup(sheet, last_row=len(listed), last_col=len(headers) - 1)
    workbook.close()
    batch = db.session.get(ImportBatch, batch_id)
    batch.state, batch.finished_at, batch.rejects = "done", utcnow(), batch_rejects
    batch.total_rows, batch.inserted, batch.updated = counts["total"], counts["inserted"], counts["updated"]
    batch.unchanged, batch.rejected = counts["unchanged"], counts["rejected"]
    audit.record("pool.import", batch, actor=db.session.get(User, batch.uploaded_by),
                 detail=f"{SOURCES[batch.source].label} {batch.filename}: " + ", ".join(f"{k}={v}" for k, v in
                                                                                    counts.items()))
    db.session.commit()
    message = (f"共 {counts['total']} 行：新增 {counts['inserted']}，更新 {counts['updated']}，"
               f"未变 {counts['unchanged']}，未通过 {counts['rejected']}")
    if counts["rejected"]:
        return {"path": str(rejects_path), "name": "未导入的行.xlsx", "message": message}
    return {"message": message}


def _finish(batch_id: int, *, state: str, error: str) -> None:
    batch = db.session.get(ImportBatch, batch_id)
    batch.state, batch.error, batch.finished_at = state, error, utcnow()
    db.session.commit()


@portal_job
def cross_check(ctx, user_id: int, region_id: int):
    """Compare the archive persons of a region with the pool and update the conflict queue."""
    from app.blueprints.pool.crosscheck import run_cross_check

    user = db.session.get(User, user_id)
    counts = run_cross_check(user, region_id, progress=lambda p, m: ctx.progress(p, m))
    audit.record("pool.cross_check", object_type="region", object_id=region_id, actor=user,
                 detail=", ".join(f"{k}={v}" for k, v in counts.items()))
    db.session.commit()
    return {"message": f"新增冲突 {counts['opened']}，重新打开 {counts['reopened']}，已一致关闭 {counts['cleared']}，"
                       f"仍待处理 {counts['still_open']}"}
