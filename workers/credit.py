"""Credit jobs: render a report PDF (queue `reports`) and import records from XLSX."""

import hashlib
from pathlib import Path

from flask import render_template
from sqlalchemy.exc import IntegrityError

# Imported at module level so a forking worker loads WeasyPrint once and every work horse inherits it.
from app.blueprints.credit.pdf import CJK_FONT, qr_svg, render_pdf
from app.extensions import db
from app.models import credit as C
from workers.context import UserFacingJobError, portal_job, run_scan


def build_report_pdf(report_id: int) -> tuple[bytes, dict]:
    """Render one report: plain data → template → PDF bytes; also returns the data."""
    from app.blueprints.credit import reports
    from app.public_urls import public_url

    report = db.session.get(C.CreditReport, report_id)
    data = reports.report_data(report, "")
    digest = reports.content_digest(data)
    url = public_url("verify.report", number=report.number, c=reports.verify_code(report.number, digest))
    data["verify_url"] = url
    html = render_template("pdf/credit_report.html", r=data, qr=qr_svg(url), font=CJK_FONT)
    return render_pdf(html), {"digest": digest, "url": url}


@portal_job
def render_credit_report(ctx, report_id: int, _ignored_base: str | None = None):
    """Render the PDF, store it and its SHA-256, and mark the report ready.

    The verification address comes from PORTAL_PUBLIC_URL; the second argument is accepted only so jobs queued
    by an older release (which passed the request's address) still run.
    """
    report = db.session.get(C.CreditReport, report_id)
    if report is None:
        raise UserFacingJobError("报告不存在")
    ctx.progress(20, "正在汇总信用信息")
    try:
        pdf, meta = build_report_pdf(report_id)
    except Exception:
        db.session.rollback()
        db.session.get(C.CreditReport, report_id).state = C.REPORT_FAILED
        db.session.commit()
        raise
    ctx.progress(80, "正在保存报告")
    path: Path = ctx.result_file(f"{report.number}.pdf")
    path.write_bytes(pdf)
    report = db.session.get(C.CreditReport, report_id)
    report.content_sha256 = meta["digest"]
    report.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    report.pdf_path = str(path)
    report.state = C.REPORT_READY
    db.session.commit()
    return {
        "path": str(path),
        "name": f"信用报告-{report.number}.pdf",
        "message": f"报告编号 {report.number}",
    }


@portal_job
def import_credit_records(ctx, user_id: int, source: str, filename: str = "", category: str = "penalty"):
    """Import a 双公示 file in the national template: every row it can; rejects in a workbook with reasons."""

    from app.blueprints.credit import importer
    from app.imports import cells
    from app.imports.reader import FileRejected
    from app.models.user import User
    from app.security import audit
    from app.spreadsheets import header_format, print_setup, streaming_workbook
    from app.validation import Invalid

    user = db.session.get(User, user_id)
    label, columns, _required = importer.TEMPLATES[category]
    try:
        table = importer.open_table(source, filename or Path(source).name, category)
    except FileRejected as exc:
        raise UserFacingJobError(str(exc)) from None
    created = skipped = 0
    rejects, seen = [], {}
    try:
        for number, row in table.rows:
            try:
                with db.session.begin_nested():
                    outcome = importer.import_row(user, category, row, seen, number)
                created += outcome == "created"
                skipped += outcome == "skipped"
            except Invalid as exc:
                rejects.append((number, importer.flatten(exc), row))
            except IntegrityError:  # a simultaneous import of the same file stored this record first
                skipped += 1
            if number % 200 == 0:
                db.session.commit()
                ctx.progress(min(95, number * 100 // max(table.estimated_rows, 1)), f"已处理 {number} 行")
    except FileRejected as exc:
        db.session.rollback()
        raise UserFacingJobError(str(exc)) from None
    audit.record(
        "credit.import",
        object_type="credit_record",
        actor=user,
        detail=f"双公示{label}：新增 {created}，已存在跳过 {skipped}，退回 {len(rejects)}",
    )
    db.session.commit()
    path = ctx.result_file("rejects.xlsx")
    out = streaming_workbook(path)
    sheet = out.add_worksheet("退回行")
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, len(columns) + 1, 14)
    sheet.write_row(0, 0, ("行号", "原因", *columns), header_format(out))
    for index, (number, reason, row) in enumerate(rejects, start=1):
        sheet.write_row(index, 0, (number, reason, *[cells.display(row.get(c)) for c in columns]))
    print_setup(sheet, last_row=len(rejects), last_col=len(columns) + 1)
    out.close()
    return {
        "path": str(path),
        "name": "导入退回行.xlsx",
        "message": f"{label}：新增 {created} 条，已存在跳过 {skipped} 条，退回 {len(rejects)} 条",
    }


def escalate_overdue() -> int:
    """The periodic credit scan: overdue objection/repair steps to the office head, expired list entries out."""
    from app.blueprints.credit.deadlines import scan

    return run_scan(scan)
