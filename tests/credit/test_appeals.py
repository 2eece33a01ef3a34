"""Objection and repair workflows with working-day deadlines, SMS notices, audit and attachment checks."""

import io
from datetime import datetime

from app.blueprints.credit import appeals, services
from app.extensions import db
from app.models import credit as C
from app.models.audit import AuditLog
from app.workcalendar import calendar_for
from tests.conftest import body, login, post
from tests.credit.helpers import last_sms, record_by_doc, subject_by_name

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
        "decision_date": "2026-07-20",
        "content": "生产的糕点菌落总数超标，没收违法所得并罚款 5 万元",
        "legal_basis": "《食品安全法》",
    }
    assert post(client, f"/credit/objections/{objection.id}", data).status_code == 303
    db.session.expire_all()
    record = record_by_doc(FOOD_PENALTY)
    assert record.status == "published" and record.version == 2 and "5 万元" in record.content
    old = services.record_versions(record.id)
    assert old[0].version == 1 and "8 万元" in old[0].data["content"]
    assert "已办结：更正" in last_sms("13800002001")
    actions = set(
        db.session.execute(db.select(AuditLog.action).where(AuditLog.action.like("credit.%"))).scalars()
    )
    assert {
        "credit.objection.file",
        "credit.objection.forward",
        "credit.objection.answer",
        "credit.record.correct",
    } <= actions


def test_objection_withdraw_and_uphold(demo):
    officer = db.session.execute(db.select(C.CreditSubject)).scalars().first()  # noqa: F841
    from tests.credit.helpers import user

    credit = user("credit")
    record = record_by_doc("青公(消)行罚决字〔2026〕41号")
    objection = appeals.file_objection(record, reason="不是本社仓库", channel="counter")
    appeals.forward_objection(credit, objection)
    appeals.answer_objection(user("dept"), objection, outcome="withdraw", answer="经核实主体认定错误，撤销")
    assert record_by_doc("青公(消)行罚决字〔2026〕41号").status == "withdrawn"
    assert record.id not in [r.id for r in services.public_records(record.subject_id)]

    other = record_by_doc("青市监食许〔2026〕31号")
    objection = appeals.file_objection(other, reason="许可范围有误", channel="counter")
    appeals.forward_objection(credit, objection)
    appeals.answer_objection(credit, objection, outcome="uphold", answer="许可内容与原件一致，维持")
    assert record_by_doc("青市监食许〔2026〕31号").status == "published"


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


def test_repair_approve_ends_publication_and_leaves_score(demo, client):
    login(client, "credit")
    record = record_by_doc(FOOD_PENALTY)
    subject = subject_by_name("青禾县清溪食品有限公司")
    before = body(client.get(f"/credit/subjects/{subject.id}"))
    assert "严重行政处罚 1 条" in before
    response = post(
        client,
        f"/credit/records/{record.id}/repairs",
        {"commitment": "已完成整改并通过复检，承诺严格执行食品安全制度"},
    )
    assert response.status_code == 303
    again = post(client, f"/credit/records/{record.id}/repairs", {"commitment": "再次申请修复，承诺整改到位"})
    assert again.status_code == 422 and "已有待审核" in body(again)
    repair = db.session.execute(
        db.select(C.RepairApplication).where(C.RepairApplication.record_id == record.id)
    ).scalar_one()
    assert repair.due_at == calendar_for(repair.created_at.year).deadline_after(repair.created_at, 10)
    assert (
        post(client, f"/credit/repairs/{repair.id}", {"decision": "approve", "answer": ""}).status_code == 303
    )
    db.session.expire_all()
    record = record_by_doc(FOOD_PENALTY)
    assert record.status == "repaired" and record.ended_on is not None
    assert record.id not in [r.id for r in services.public_records(subject.id)]
    after = body(client.get(f"/credit/subjects/{subject.id}"))
    assert "严重行政处罚 1 条" not in after and "已完成信用修复 1 条" in after
    assert "已通过" in last_sms("13800002001")


def test_repair_reject_needs_reason_and_only_penalties(demo, client):
    login(client, "credit")
    license_record = record_by_doc("青市监食许〔2026〕15号")
    refused = post(
        client, f"/credit/records/{license_record.id}/repairs", {"commitment": "承诺整改到位并提交材料"}
    )
    assert refused.status_code == 422 and "只有行政处罚和失信惩戒" in body(refused)
    record = record_by_doc("青建信〔2026〕2号")
    assert (
        post(
            client, f"/credit/records/{record.id}/repairs", {"commitment": "已全额支付拖欠工资并承诺不再发生"}
        ).status_code
        == 303
    )
    repair = db.session.execute(
        db.select(C.RepairApplication).where(C.RepairApplication.record_id == record.id)
    ).scalar_one()
    no_reason = post(client, f"/credit/repairs/{repair.id}", {"decision": "reject", "answer": ""})
    assert no_reason.status_code == 422 and "驳回须填写理由" in body(no_reason)
    assert (
        post(client, f"/credit/repairs/{repair.id}", {"decision": "reject", "answer": "材料不全"}).status_code
        == 303
    )
    db.session.expire_all()
    assert record_by_doc("青建信〔2026〕2号").status == "published"


def test_queue_highlights_overdue(demo, client):
    login(client, "credit")
    objection = db.session.execute(db.select(C.Objection)).scalars().first()
    objection.due_at = datetime(2026, 1, 5)
    db.session.commit()
    page = body(client.get("/credit/queues"))
    assert 'class="overdue"' in page and "已超期" in page
