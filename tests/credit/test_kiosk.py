"""Kiosk: enrolled devices only, identity by SMS code, isolation between subjects, rate limits, printing."""

import re
from datetime import timedelta

from app.clock import utcnow
from app.extensions import db
from app.models import credit as C
from app.models.audit import AuditLog
from tests.conftest import body, login, post
from tests.credit.helpers import (
    CHEN_ID,
    FOOD_REP_ID,
    FOOD_USCC,
    enroll_device,
    kiosk_identify_person,
    last_sms,
    record_by_doc,
)
from workers.queues import drain


def _kiosk(app):
    admin = app.test_client()
    login(admin, "credit")
    kiosk = app.test_client()
    enroll_device(app, admin, kiosk)
    return admin, kiosk


def test_unenrolled_browser_is_refused_and_audited(demo, client):
    response = client.get("/kiosk/")
    assert response.status_code == 403 and "本终端未登记" in body(response)
    assert client.get("/kiosk/me").status_code == 403
    assert client.get("/kiosk/enroll/made-up-token").status_code == 403
    refused = (
        db.session.execute(db.select(AuditLog).where(AuditLog.action == "kiosk.refused")).scalars().all()
    )
    assert len(refused) == 2


def test_enrollment_link_is_one_time_and_revocation_stops_device(demo, app):
    admin = app.test_client()
    login(admin, "credit")
    response = post(
        admin,
        "/credit/kiosks",
        {
            "name": "一号机",
            "location": "大厅",
            "account_id": str(db.session.execute(db.select(C.KioskDevice.id)).first() or ""),
        },
    )
    assert response.status_code == 422  # no kiosk account chosen
    kiosk = app.test_client()
    enroll_device(app, admin, kiosk)
    assert kiosk.get("/kiosk/").status_code == 200
    device = db.session.execute(db.select(C.KioskDevice)).scalar_one()
    assert post(admin, f"/credit/kiosks/{device.id}/revoke").status_code == 303
    assert kiosk.get("/kiosk/").status_code == 403


def test_person_identifies_sees_only_own_records_and_prints(demo, app):
    _admin, kiosk = _kiosk(app)
    assert kiosk_identify_person(kiosk).status_code == 303
    me = body(kiosk.get("/kiosk/me"))
    assert "陈志明" in me and "青卫表〔2026〕3号" in me and "林晓红" not in me
    other = record_by_doc("青市监罚〔2026〕58号")  # 林晓红's record
    assert kiosk.get(f"/kiosk/records/{other.id}/objection").status_code == 404
    assert post(kiosk, f"/kiosk/records/{other.id}/objection", {"reason": "x"}).status_code == 404

    started = post(kiosk, "/kiosk/print")
    assert started.status_code == 303
    number = started.headers["Location"].rsplit("/", 1)[-1]
    pending = kiosk.get(f"/kiosk/reports/{number}", headers={"HX-Request": "true"})
    assert 'hx-trigger="load delay:1s"' in body(pending)
    drain(app)
    ready = body(kiosk.get(f"/kiosk/reports/{number}", headers={"HX-Request": "true"}))
    assert "打开并打印" in ready and "hx-trigger" not in ready
    printed = kiosk.get(f"/kiosk/reports/{number}/print")
    assert printed.status_code == 200 and f"/kiosk/reports/{number}/pdf" in body(printed)
    pdf = kiosk.get(f"/kiosk/reports/{number}/pdf")
    assert pdf.status_code == 200 and pdf.data[:5] == b"%PDF-"
    assert kiosk.get("/kiosk/me").status_code == 303  # the session ended with the print
    row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "kiosk.print")).scalar_one()
    assert number in row.detail and row.actor_name == "kiosk"
    kiosk.get("/kiosk/reset")
    assert kiosk.get(f"/kiosk/reports/{number}/pdf").status_code == 404


def test_another_subject_cannot_reach_first_subjects_report(demo, app):
    _admin, kiosk = _kiosk(app)
    kiosk_identify_person(kiosk)
    number = post(kiosk, "/kiosk/print").headers["Location"].rsplit("/", 1)[-1]
    drain(app)
    kiosk.get("/kiosk/reset")
    kiosk_identify_person(kiosk, "林晓红", "330127199007082348", "13800001002")
    assert kiosk.get(f"/kiosk/reports/{number}").status_code == 404
    assert kiosk.get(f"/kiosk/reports/{number}/print").status_code == 404


def test_company_identification(demo, app):
    _admin, kiosk = _kiosk(app)
    wrong = post(kiosk, "/kiosk/identify/org", {"number": FOOD_USCC, "rep_name": "周建华", "rep_id": CHEN_ID})
    assert wrong.status_code == 422 and "未找到与所填信息一致" in body(wrong)
    ok = post(
        kiosk, "/kiosk/identify/org", {"number": FOOD_USCC, "rep_name": "周建华", "rep_id": FOOD_REP_ID}
    )
    assert ok.status_code == 303
    code = re.search(r"验证码为 (\d{6})", last_sms("13800002001")).group(1)
    assert post(kiosk, "/kiosk/code", {"code": code}).status_code == 303
    assert "青市监罚〔2026〕102号" in body(kiosk.get("/kiosk/me"))


def test_wrong_and_expired_codes(demo, app):
    _admin, kiosk = _kiosk(app)
    post(kiosk, "/kiosk/identify/person", {"name": "陈志明", "number": CHEN_ID})
    code = re.search(r"验证码为 (\d{6})", last_sms("13800001001")).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        response = post(kiosk, "/kiosk/code", {"code": wrong})
        assert response.status_code == 422 and f"还可尝试 {left} 次" in body(response)
    assert "错误次数过多" in body(post(kiosk, "/kiosk/code", {"code": wrong}))
    assert "错误次数过多" in body(
        post(kiosk, "/kiosk/code", {"code": code})
    )  # the right code is now useless too
    assert kiosk.get("/kiosk/me").status_code == 303

    post(kiosk, "/kiosk/identify/person", {"name": "陈志明", "number": CHEN_ID})
    code = re.search(r"验证码为 (\d{6})", last_sms("13800001001")).group(1)
    otc = db.session.execute(db.select(C.OneTimeCode).order_by(C.OneTimeCode.id.desc())).scalars().first()
    otc.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = post(kiosk, "/kiosk/code", {"code": code})
    assert expired.status_code == 422 and "验证码已过期" in body(expired)
    refused = (
        db.session.execute(
            db.select(AuditLog).where(AuditLog.action == "kiosk.code.check", AuditLog.outcome == "refused")
        )
        .scalars()
        .all()
    )
    assert len(refused) == 7  # five wrong, one after the tries ran out, one expired


def test_bad_identity_input(demo, app):
    _admin, kiosk = _kiosk(app)
    bad = post(kiosk, "/kiosk/identify/person", {"name": "陈志明", "number": "330127198503121234"})
    assert bad.status_code == 422 and "校验位不正确" in body(bad)
    wrong_name = post(kiosk, "/kiosk/identify/person", {"name": "陈志", "number": CHEN_ID})
    assert wrong_name.status_code == 422 and "未找到与所填信息一致" in body(wrong_name)
    assert last_sms("13800001001") == ""


def test_rate_limits_per_subject_and_device(demo, app):
    app.config["CREDIT_SUBJECT_CODES_PER_HOUR"] = 2
    _admin, kiosk = _kiosk(app)
    for _ in range(2):
        assert post(kiosk, "/kiosk/identify/person", {"name": "陈志明", "number": CHEN_ID}).status_code == 303
    limited = post(kiosk, "/kiosk/identify/person", {"name": "陈志明", "number": CHEN_ID})
    assert limited.status_code == 422 and "过于频繁" in body(limited)
    app.config["CREDIT_KIOSK_QUERIES_PER_HOUR"] = 3
    device_limited = post(kiosk, "/kiosk/identify/person", {"name": "林晓红", "number": "330127199007082348"})
    assert device_limited.status_code == 422 and "本终端查询次数过多" in body(device_limited)


def test_kiosk_objection_marks_record_at_once(demo, app):
    _admin, kiosk = _kiosk(app)
    kiosk_identify_person(kiosk, "赵丽娟", "330127199512254569", "13800001004")
    record = record_by_doc("青市监诺〔2026〕77号")
    response = post(
        kiosk, f"/kiosk/records/{record.id}/objection", {"reason": "冷链设施已于 10 月完成，请核实履约状态"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert record_by_doc("青市监诺〔2026〕77号").status == "objected"
    progress = body(kiosk.get("/kiosk/progress"))
    assert "待审核" in progress and "青市监诺〔2026〕77号" in progress
    row = db.session.execute(
        db.select(AuditLog).where(AuditLog.action == "credit.objection.file")
    ).scalar_one()
    assert row.actor_name == "kiosk"


def test_idle_session_ends_on_the_server_too(demo, app, monkeypatch):
    from app.blueprints.kiosk import services

    _admin, kiosk = _kiosk(app)
    kiosk_identify_person(kiosk)
    assert kiosk.get("/kiosk/me").status_code == 200
    monkeypatch.setattr(services, "IDLE_SECONDS", -1)
    assert kiosk.get("/kiosk/me").status_code == 303
    monkeypatch.setattr(services, "IDLE_SECONDS", 120)
    assert kiosk.get("/kiosk/me").status_code == 303  # the subject was forgotten, not just hidden


def test_kiosk_repair_application_and_progress(demo, app):
    _admin, kiosk = _kiosk(app)
    kiosk_identify_person(kiosk, "林晓红", "330127199007082348", "13800001002")
    record = record_by_doc("青市监罚〔2026〕58号")  # under objection: no repair while it is checked
    refused = post(kiosk, f"/kiosk/records/{record.id}/repair", {"commitment": "已整改并在店内公示营业执照"})
    assert refused.status_code == 422 and "有异议正在处理" in body(refused)
    db.session.expire_all()
    assert (
        db.session.execute(db.select(db.func.count(C.RepairApplication.id))).scalar_one() == 1
    )  # the demo one
    _admin2, other = _kiosk(app)
    kiosk_identify_person(other, "王海涛", "330127197811203455", "13800001003")
    expired = record_by_doc("青公(治)行罚决字〔2024〕112号")
    late = post(other, f"/kiosk/records/{expired.id}/repair", {"accept_commitment": "y"})
    assert late.status_code == 422 and "公示期满并自动停止公示" in body(late)
