"""Ticket jobs: the periodic escalation scan and the monthly XLSX report."""
import logging

from app.clock import utcnow
from app.extensions import db
from app.models.user import User
from app.spreadsheets import header_format, print_setup, streaming_workbook
from workers.context import portal_job, run_scan

log = logging.getLogger(__name__)


def escalate() -> int:
    """The periodic scan (enqueued every minute); builds its own app context and never notifies twice."""
    from app.blueprints.tickets.escalation import scan

    return run_scan(scan)


@portal_job
def monthly_report(ctx, viewer_id: int, month: str):
    """SLA compliance, backlog, categories and workload of one month as a workbook (constant memory)."""
    from app.blueprints.tickets.dashboard import figures
    from app.blueprints.tickets.states import STATE_LABELS
    from app.blueprints.tickets.workload import month_bounds, monthly_totals
    from app.clock import CHINA_OFFSET, to_local
    from datetime import datetime, time

    viewer = db.session.get(User, viewer_id)
    first, nxt = month_bounds(month)
    since = datetime.combine(first, time.min) - CHINA_OFFSET
    until = datetime.combine(nxt, time.min) - CHINA_OFFSET
    now = min(utcnow(), until)
    figs = figures(viewer, now, since=since)
    tickets = [t for t in figs["tickets"] if t.created_at < until]
    ctx.progress(30, "统计完成，正在写入")
    path = ctx.result_file(f"tickets-{month}.xlsx")
    book = streaming_workbook(path)
    bold = header_format(book)
    summary = book.add_worksheet("SLA 达标")
    summary.set_column(0, 0, 16)
    summary.set_column(1, 4, 14)
    row = 0
    for title, rows in (("按级别", figs["by_severity"]), ("按处理人", figs["by_engineer"])):
        summary.write_row(row, 0, (title, "响应达标", "响应总数", "解决达标", "解决总数"), bold)
        row += 1
        for key, (resp, resol) in rows:
            summary.write_row(row, 0, (key, resp.met, resp.total, resol.met, resol.total))
            row += 1
        row += 1
    summary.write_row(row, 0, ("未完成账龄", "工单数"), bold)
    for label, n in figs["ages"]:
        row += 1
        summary.write_row(row, 0, (label, n))
    row += 2
    summary.write_row(row, 0, ("高频类别", "工单数"), bold)
    for cat, n in figs["categories"]:
        row += 1
        summary.write_row(row, 0, (cat, n))
    # The summary is several small tables one under another: no single header row to repeat.
    print_setup(summary, last_row=row, last_col=4, title_rows=0)
    detail = book.add_worksheet("工单明细")
    detail.set_column(0, 9, 14)
    detail.write_row(0, 0, ("单号", "标题", "类别", "级别", "状态", "处理人", "提交时间", "响应超时", "解决超时",
                            "超时原因"), bold)
    for i, t in enumerate(tickets, start=1):
        c = figs["clocks"][t.id]
        detail.write_row(i, 0, (t.number, t.title, t.category, t.severity, STATE_LABELS[t.state],
                                t.assignee.display_name if t.assignee else "", to_local(t.created_at).strftime(
                                    "%Y-%m-%d %H:%M"), "是" if c.response.breached else "否",
                                "是" if c.resolution.breached else "否", t.breach_reason))
    print_setup(detail, last_row=len(tickets), last_col=9)
    ctx.progress(70, "正在写入工作量")
    work = book.add_worksheet("工作量")
    work.set_column(0, 0, 20)
    totals = monthly_totals(month, viewer)
    row = 0
    for name, title in (("engineer", "工程师"), ("category", "类别"), ("contract", "合同")):
        work.write_row(row, 0, (title, "工时", "人天", "人月"), bold)
        for r in totals[name]:
            row += 1
            work.write_row(row, 0, (r.key, float(r.hours), float(r.person_days), float(r.person_months)))
        row += 2
    print_setup(work, last_row=max(row - 2, 0), last_col=3, title_rows=0)
    book.close()
    return {"path": str(path), "name": f"运维月报-{month}.xlsx", "message": f"共 {len(tickets)} 张工单"}
