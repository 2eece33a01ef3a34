"""信用修复 under Order 36: the shortest period, the commitment and proof, 谁认定谁修复, and every effect of an
approval (report PDF, kiosk, score, downstream withdrawal, linked measures, list entries, the staff archive)."""

import io
import re
import subprocess
from datetime import timedelta

from app.blueprints.credit import appeals, classes, lists, reports, scoring, services
from app.extensions import db
from app.models import credit as C
from tests.conftest import body, login, post
from tests.credit.helpers import (
    enroll_device,
    last_sms,
    outbox_events,
    record_by_doc,
    subject_by_name,
    user,
)
from tests.frozen import FROZEN_TODAY
from workers.queues import drain

FOOD_PENALTY = "青市监罚〔2026〕102号"  # 严重, decided 30 days before the demo load
TEA_PENALTY = "青公(消)行罚决字〔2026〕41号"  # 一般, decided 100 days before, by 县公安局 (the demo dept)
TEA = "青禾县桃源村茶叶专业合作社"


def _pdf(name=None) -> bytes:
    return b"%PDF-1.4 " + (name or "proof").encode()


def _apply(client, record, **extra):
    data = {
        "accept_commitment": "y",
        "fulfilment_note": "罚款已缴清，杂物已清理",
        "attachments": (io.BytesIO(_pdf()), "缴款凭证.pdf"),
    }
    data.update(extra)
    return post(client, f"/credit/records/{record.id}/repairs", data, content_type="multipart/form-data")


def _issue_pdf_text(client, app, subject) -> tuple[C.CreditReport, str]:
    response = post(client, f"/credit/subjects/{subject.id}/reports")
    assert response.status_code == 303
    drain(app)
    db.session.expire_all()
    report = db.session.get(C.CreditReport, int(response.headers["Location"].rsplit("/", 1)[-1]))
    assert report.state == "ready"
    text = subprocess.run(["pdftotext", report.pdf_path, "-"], capture_output=True, check=True).stdout.decode()
    return report, re.sub(r"\s+", "", text)


def test_repair_refused_before_the_shortest_period_with_the_date(demo, client):
    login(client, "credit")
    record = record_by_doc(FOOD_PENALTY)
    possible = classes.add_months(record.decision_date, 12)
    response = _apply(client, record)
    assert response.status_code == 422
    assert f"严重失信信息的最短公示期为 1 年，自 {possible.isoformat()} 起方可申请信用修复" in body(response)
    page = body(client.get(f"/credit/records/{record.id}"))
    assert f"自 {possible.isoformat()} 起方可申请信用修复" in page and "受理修复申请" not in page
    assert db.session.execute(
        db.select(C.RepairApplication).where(C.RepairApplication.record_id == record.id)
    ).first() is None


def test_minor_record_is_repairable_at_once(demo):
    record = record_by_doc("青市监异〔2026〕11号")  # 轻微, marked necessary, 40 days old
    assert record.severity == "minor" and appeals.repair_refusal(record, FROZEN_TODAY) is None
    assert classes.repair_possible_from(record) == record.decision_date


def test_repair_needs_a_signed_commitment_and_proof(demo, client):
    login(client, "credit")
    record = record_by_doc(TEA_PENALTY)
    unsigned = _apply(client, record, accept_commitment="")
    assert unsigned.status_code == 422 and "请签署信用承诺" in body(unsigned)
    no_proof = _apply(client, record, attachments=None)
    assert no_proof.status_code == 422 and "已履行法定责任和义务的证明材料" in body(no_proof)
    assert db.session.execute(db.select(db.func.count(C.RepairApplication.id))).scalar_one() == 1  # demo one
    # A signed 承诺书 uploaded instead of the on-screen acceptance is accepted too.
    signed = _apply(client, record, accept_commitment="", commitment_file=(io.BytesIO(_pdf("signed")), "承诺书.pdf"))
    assert signed.status_code == 303, body(signed)[:500]
    repair = db.session.execute(
        db.select(C.RepairApplication).where(C.RepairApplication.record_id == record.id)
    ).scalar_one()
    assert sorted(a["role"] for a in repair.attachments) == ["commitment", "proof"]
    assert repair.department == "县公安局" and repair.state == "pending"
    again = _apply(client, record)
    assert again.status_code == 422 and "已有正在办理的修复申请" in body(again)


def test_approved_repair_ends_publication_everywhere(demo, client, app):
    login(client, "credit")
    tea = subject_by_name(TEA)
    record = record_by_doc(TEA_PENALTY)
    earlier, text = _issue_pdf_text(client, app, tea)
    assert TEA_PENALTY.replace(" ", "") in text
    never_had_it = scoring.explain(
        tea, [r for r in services.public_records(tea.id) if r.id != record.id], 0, scoring.active_model("org").config
    )["score"]

    assert _apply(client, record).status_code == 303
    repair = db.session.execute(
        db.select(C.RepairApplication).where(C.RepairApplication.record_id == record.id)
    ).scalar_one()
    # The credit office checks and forwards; it cannot decide for the department (谁认定、谁修复).
    assert post(client, f"/credit/repairs/{repair.id}/approve", {}).status_code == 422
    assert post(client, f"/credit/repairs/{repair.id}/forward", {}).status_code == 303
    refused = post(client, f"/credit/repairs/{repair.id}/approve", {})
    assert refused.status_code == 422 and "只有认定部门（县公安局）" in body(refused)
    dept = app.test_client()
    login(dept, "dept")
    assert "同意修复" in body(dept.get(f"/credit/repairs/{repair.id}"))
    assert post(dept, f"/credit/repairs/{repair.id}/approve", {}).status_code == 303

    db.session.expire_all()
    record = record_by_doc(TEA_PENALTY)
    assert record.status == "repaired" and record.ended_on == FROZEN_TODAY
    assert record.id not in [r.id for r in services.public_records(tea.id)]
    # The staff archive keeps it, marked 已修复.
    assert "已修复" in body(client.get(f"/credit/records/{record.id}"))
    # The score counts it as never published: no deduction, no bonus.
    _model, now = scoring.evaluate(tea)
    assert now["score"] == never_had_it
    # Downstream targets are told to withdraw it.
    events = [e for e in outbox_events("credit.record.withdrawn") if e.payload["doc_number"] == TEA_PENALTY]
    assert len(events) == 1 and events[0].payload["reason"] == "repair"
    # The report printed before no longer verifies; a new one does not print the number at all.
    assert db.session.get(C.CreditReport, earlier.id).revoked_at is not None
    code = reports.verify_code(earlier.number, earlier.content_sha256)
    assert "已撤销" in body(app.test_client().get(f"/verify/{earlier.number}?c={code}"))
    _report, text = _issue_pdf_text(client, app, tea)
    assert TEA_PENALTY not in text
    assert "已通过" in last_sms("13800002003")
    # The kiosk summary no longer shows it either.
    kiosk = app.test_client()
    enroll_device(app, client, kiosk)
    assert post(kiosk, "/kiosk/identify/org",
                {"number": tea.uscc, "rep_name": "刘春梅", "rep_id": "330127197309097896"}).status_code == 303
    code = re.search(r"验证码为 (\d{6})", last_sms("13800002003")).group(1)
    assert post(kiosk, "/kiosk/code", {"code": code}).status_code == 303
    summary = body(kiosk.get("/kiosk/me"))
    assert TEA_PENALTY not in summary and "青市监食许〔2026〕31号" in summary


def test_repaired_person_scores_as_if_never_penalised(demo):
    zhao, lin = subject_by_name("赵丽娟"), subject_by_name("林晓红")
    assert scoring.repaired_count(zhao.id) == 1
    _model, result = scoring.evaluate(zhao)
    assert result["score"] == 650  # 600 + 50 basic information; the repaired penalty neither costs nor earns
    assert "视同未公示" in result["dimensions"][-1]["reasons"][0]
    assert scoring.evaluate(lin)[1]["score"] == 590  # an unrepaired 一般 penalty keeps its deduction


def test_repair_lifts_linked_measures_and_list_entry(demo, frozen_clock):
    build = subject_by_name("青禾县西岭建筑工程有限公司")
    listed = record_by_doc("青建信〔2026〕2号")
    measure = record_by_doc("青建惩〔2026〕3号")
    assert measure.basis_record_id == listed.id
    assert lists.open_entry(C.SERIOUS_LIST, build.id, "青建信〔2026〕2号") is not None
    # Not before a year (严重); a year and a day later the application goes through.
    assert "起方可申请信用修复" in appeals.repair_refusal(listed, FROZEN_TODAY)
    frozen_clock.shift(timedelta(days=340))
    owner = user("credit")
    owner.department = "县住房和城乡建设局"  # the deciding department's account, for this test
    db.session.commit()
    repair = appeals.apply_repair(listed, commitment="", commitment_accepted=True, files=[_upload()],
                                  channel="counter")
    appeals.move_repair(owner, repair, "forward")
    appeals.move_repair(owner, repair, "approve")
    db.session.expire_all()
    assert record_by_doc("青建惩〔2026〕3号").status == "lifted"
    entry = db.session.execute(
        db.select(C.CreditListEntry).where(C.CreditListEntry.doc_number == "青建信〔2026〕2号")
    ).scalar_one()
    assert entry.removal_reason == "repair" and entry.removed_on is not None
    withdrawn = {e.payload["doc_number"]: e.payload["reason"] for e in outbox_events("credit.record.withdrawn")}
    assert withdrawn == {"青建信〔2026〕2号": "repair", "青建惩〔2026〕3号": "lifted"}


def test_repair_refused_for_repaired_or_expired_records(demo):
    repaired = record_by_doc("青税罚〔2026〕33号")
    assert "已完成信用修复" in appeals.repair_refusal(repaired, FROZEN_TODAY)
    expired = record_by_doc("青公(治)行罚决字〔2024〕112号")
    assert "公示期满并自动停止公示" in appeals.repair_refusal(expired, FROZEN_TODAY)
    licence = record_by_doc("青市监食许〔2026〕15号")
    assert "只有失信信息" in appeals.repair_refusal(licence, FROZEN_TODAY)


def _upload():
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(_pdf()), filename="证明.pdf")


def test_kiosk_progress_shows_each_repair_step(demo, client, app):
    login(client, "credit")
    record = record_by_doc(TEA_PENALTY)
    assert _apply(client, record).status_code == 303
    repair_id = db.session.execute(
        db.select(C.RepairApplication.id).where(C.RepairApplication.record_id == record.id)
    ).scalar_one()
    assert post(client, f"/credit/repairs/{repair_id}/forward", {}).status_code == 303
    kiosk = app.test_client()
    enroll_device(app, client, kiosk)
    post(kiosk, "/kiosk/identify/org", {"number": "92330127MA2H9J1K2W", "rep_name": "刘春梅",
                                        "rep_id": "330127197309097896"})
    code = re.search(r"验证码为 (\d{6})", last_sms("13800002003")).group(1)
    assert post(kiosk, "/kiosk/code", {"code": code}).status_code == 303
    assert "待认定部门决定" in body(kiosk.get("/kiosk/progress"))


def test_kiosk_says_from_when_a_repair_is_possible(demo, client, app):
    from tests.credit.helpers import FOOD_REP_ID, FOOD_USCC

    record = record_by_doc(FOOD_PENALTY)
    record_id, possible = record.id, classes.add_months(record.decision_date, 12).isoformat()
    kiosk = app.test_client()
    login(client, "credit")
    enroll_device(app, client, kiosk)
    post(kiosk, "/kiosk/identify/org", {"number": FOOD_USCC, "rep_name": "周建华", "rep_id": FOOD_REP_ID})
    code = re.search(r"验证码为 (\d{6})", last_sms("13800002001")).group(1)
    assert post(kiosk, "/kiosk/code", {"code": code}).status_code == 303
    summary = body(kiosk.get("/kiosk/me"))
    assert f"自 {possible} 起方可申请信用修复" in summary
    assert f"/kiosk/records/{record_id}/repair" not in summary
