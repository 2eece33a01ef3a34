"""Objection and repair workflows with working-day deadlines, SMS notices, audit and attachment checks."""

import io
from datetime import datetime

import pytest

from app.blueprints.credit import appeals, services
from app.extensions import db
from app.models import credit as C
from app.models.audit import AuditLog
from app.validation import Invalid
from app.workcalendar import calendar_for
from tests.conftest import body, login, post
from tests.credit.helpers import department_user, last_sms, outbox_events, record_by_doc, user
from tests.frozen import FROZEN_TODAY

FOOD_PENALTY = "青市监罚〔2026〕102号"


def test_deadline_helper_over_national_day(app):
    cal = calendar_for(2026)
    # Filed Wed 2026-09-30 (China time): 10-01..10-07 are holidays, Saturday 10-10 is a 调休 working day.
    due = cal.deadline_after(datetime(2026, 9, 30, 2, 0), 5)
    assert due == datetime(2026, 10, 13, 16, 0)  # end of Tuesday 10-13 China time, as UTC


def test_objection_forward_answer_correct_keeps_old_version(demo, client, app):
    login(client, "credit")
    record = record_by_doc(FOOD_PENALTY)
    pdf = (io.BytesIO(b"%PDF-1.4 evidence"), "证明.pdf")
    response = post(
        client,
        f"/credit/records/{record.id}/objections",
        {"reason": "罚款金额登记有误", "attachments": pdf},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, body(response)[:400]
    db.session.expire_all()
    assert record_by_doc(FOOD_PENALTY).status == "objected"
    objection = db.session.execute(
        db.select(C.Objection).where(C.Objection.record_id == record.id)
    ).scalar_one()
    assert objection.attachments[0]["kind"] == "pdf"
    assert objection.check_due_at == calendar_for(objection.created_at.year).deadline_after(
        objection.created_at, 2
    )
    assert "异议已受理" in last_sms("13800002001")
    assert record.id in [r.id for r in services.public_records(record.subject_id)]  # still on reports, marked

    assert post(client, f"/credit/objections/{objection.id}", {"action": "forward"}).status_code == 303
    db.session.expire_all()
    objection = db.session.get(C.Objection, objection.id)
    assert objection.state == "forwarded"
    assert objection.due_at == calendar_for(objection.forwarded_at.year).deadline_after(
        objection.forwarded_at, 5
    )

    objection_id = objection.id
    dept = app.test_client()
    login(dept, "dept")  # 县公安局 may not answer a 市场监督管理局 record
    assert dept.get(f"/credit/objections/{objection_id}").status_code == 404
    objection = db.session.get(C.Objection, objection_id)

    data = {
        "action": "answer",
        "outcome": "correct",
        "answer": "经核实，罚款金额更正为 5 万元",
        "category": "penalty",
        "severity": "serious",
        "doc_number": FOOD_PENALTY,
        "decision_date": record.decision_date.isoformat(),
        "content": "生产的糕点菌落总数超标，没收违法所得并罚款 5 万元",
        "legal_basis": "《食品安全法》",
        "penalty_kind": "没收违法所得；罚款",
        "fine_amount": "5",
    }
    # 谁认定、谁修复: the credit office coordinates but does not answer for the department.
    refused = post(client, f"/credit/objections/{objection.id}", data)
    assert refused.status_code == 422 and "只有认定部门（县市场监督管理局）" in body(refused)
    department_user("market", "县市场监督管理局")
    market = app.test_client()
    login(market, "market")
    assert post(market, f"/credit/objections/{objection.id}", data).status_code == 303
    db.session.expire_all()
    record = record_by_doc(FOOD_PENALTY)
    assert record.status == "published" and record.version == 2 and "5 万元" in record.content
    assert record.fine_amount == 5 and record.penalty_kind == "没收违法所得；罚款"
    old = services.record_versions(record.id)
    assert old[0].version == 1 and "8 万元" in old[0].data["content"]
    assert "已办结：更正" in last_sms("13800002001")
    assert outbox_events("credit.record.corrected")[-1].payload["doc_number"] == FOOD_PENALTY
    actions = set(
        db.session.execute(db.select(AuditLog.action).where(AuditLog.action.like("credit.%"))).scalars()
    )
    assert {
        "credit.objection.file",
        "credit.objection.forward",
        "credit.objection.answer",
        "credit.record.correct",
    } <= actions


def test_objection_withdraw_tells_downstream_and_uphold_restores(demo):
    credit = user("credit")
    record = record_by_doc("青公(消)行罚决字〔2026〕41号")
    objection = appeals.file_objection(record, reason="不是本社仓库", channel="counter")
    appeals.forward_objection(credit, objection)
    with pytest.raises(Invalid) as not_theirs:
        appeals.answer_objection(credit, objection, outcome="withdraw", answer="撤销")
    assert "谁认定、谁修复" in str(not_theirs.value)
    db.session.rollback()
    appeals.answer_objection(user("dept"), objection, outcome="withdraw", answer="经核实主体认定错误，撤销")
    assert record_by_doc("青公(消)行罚决字〔2026〕41号").status == "withdrawn"
    assert record.id not in [r.id for r in services.public_records(record.subject_id)]
    withdrawn = outbox_events("credit.record.withdrawn")
    assert [(e.payload["doc_number"], e.payload["reason"]) for e in withdrawn] == [
        ("青公(消)行罚决字〔2026〕41号", "withdraw")
    ]
    assert withdrawn[0].payload["subject_code"] == "92330127MA2H9J1K2W"

    other = record_by_doc("青市监食许〔2026〕31号")
    objection = appeals.file_objection(other, reason="许可范围有误", channel="counter")
    appeals.forward_objection(credit, objection)
    appeals.answer_objection(
        department_user("market", "县市场监督管理局"), objection, outcome="uphold", answer="许可内容与原件一致，维持"
    )
    assert record_by_doc("青市监食许〔2026〕31号").status == "published"


def test_objection_mark_shows_only_from_filing_to_decision(demo):
    record = record_by_doc("青公(消)行罚决字〔2026〕41号")
    assert record.shown_status(FROZEN_TODAY) == "published"
    objection = appeals.file_objection(record, reason="罚款金额有误", channel="counter")
    assert record_by_doc("青公(消)行罚决字〔2026〕41号").status_label(FROZEN_TODAY) == "异议处理中"
    appeals.forward_objection(user("credit"), objection)
    assert record_by_doc("青公(消)行罚决字〔2026〕41号").status_label(FROZEN_TODAY) == "异议处理中"
    appeals.answer_objection(user("dept"), objection, outcome="uphold", answer="经核实无误，维持")
    assert record_by_doc("青公(消)行罚决字〔2026〕41号").status_label(FROZEN_TODAY) == "公示中"


def test_disguised_or_oversized_attachment_changes_nothing(demo, client, app):
    login(client, "credit")
    record = record_by_doc(FOOD_PENALTY)
    fake = (io.BytesIO(b"MZ\x90\x00 not really a pdf"), "证明.pdf")
    response = post(
        client,
        f"/credit/records/{record.id}/objections",
        {"reason": "理由", "attachments": fake},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "按文件内容检查" in body(response)
    app.config["CREDIT_ATTACHMENT_MAX_BYTES"] = 1024
    big = (io.BytesIO(b"%PDF-" + b"0" * 2048), "大.pdf")
    response = post(
        client,
        f"/credit/records/{record.id}/objections",
        {"reason": "理由", "attachments": big},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "超过" in body(response)
    db.session.expire_all()
    assert record_by_doc(FOOD_PENALTY).status == "published"
    assert db.session.execute(db.select(db.func.count(C.Objection.id))).scalar_one() == 1  # the demo one


def test_queue_highlights_overdue(demo, client):
    login(client, "credit")
    objection = db.session.execute(db.select(C.Objection)).scalars().first()
    objection.due_at = datetime(2026, 1, 5)
    db.session.commit()
    page = body(client.get("/credit/queues"))
    assert 'class="overdue"' in page and "已超期" in page
