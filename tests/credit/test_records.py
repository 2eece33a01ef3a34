"""Subjects and records: validation, publication windows, duplicate numbers, department scoping, audit."""

from datetime import date

import pytest

from app.blueprints.credit import services
from app.extensions import db
from app.models import credit as C
from app.models.audit import AuditLog
from app.validation import Invalid
from tests.conftest import body, login, post
from tests.credit.helpers import record_by_doc, subject_by_name, user


def _record(**extra):
    data = {
        "category": "penalty",
        "severity": "normal",
        "doc_number": "青测罚〔2026〕1号",
        "decision_date": "2026-03-01",
        "content": "测试处罚内容",
        "legal_basis": "测试依据",
    }
    data.update(extra)
    return data


def test_penalty_windows_default_and_bounds(demo):
    decision = date(2026, 3, 1)
    assert services.check_window("penalty", "normal", decision, None, None) == (decision, date(2027, 3, 1))
    assert services.check_window("penalty", "serious", decision, None, None)[1] == date(2029, 3, 1)
    with pytest.raises(Invalid) as short:
        services.check_window("penalty", "normal", decision, None, date(2026, 5, 1))
    assert "不得短于 3 个月" in str(short.value)
    with pytest.raises(Invalid) as long:
        services.check_window("penalty", "normal", decision, None, date(2027, 3, 2))
    assert "不得长于 1 年" in str(long.value)
    with pytest.raises(Invalid) as serious_short:
        services.check_window("penalty", "serious", decision, None, date(2026, 9, 1))  # 6 months: old rule
    assert "不得短于 1 年" in str(serious_short.value)
    assert services.check_window("penalty", "serious", decision, None, date(2027, 3, 1))[1] == date(
        2027, 3, 1
    )


def test_department_enters_record_for_own_department(demo, client):
    login(client, "dept")
    subject = subject_by_name("陈志明")
    response = post(client, f"/credit/subjects/{subject.id}/records/new", _record(department="县税务局"))
    assert response.status_code == 303
    record = record_by_doc("青测罚〔2026〕1号")
    assert (
        record.department == "县公安局"
        and record.pub_end == date(2027, 3, 1)
        and record.status == "published"
    )
    row = db.session.execute(
        db.select(AuditLog).where(AuditLog.action == "credit.record.create")
    ).scalar_one()
    assert row.changes["doc_number"] == [None, "青测罚〔2026〕1号"]


def test_bad_record_input_changes_nothing(demo, client):
    login(client, "dept")
    subject = subject_by_name("陈志明")
    before = db.session.execute(db.select(db.func.count(C.CreditRecord.id))).scalar_one()
    bad = post(client, f"/credit/subjects/{subject.id}/records/new", _record(pub_end="2028-01-01"))
    assert bad.status_code == 422 and "不得长于 1 年" in body(bad)
    no_severity = post(client, f"/credit/subjects/{subject.id}/records/new", _record(severity=""))
    assert no_severity.status_code == 422 and "须选择失信等级" in body(no_severity)
    assert post(client, f"/credit/subjects/{subject.id}/records/new", _record()).status_code == 303
    duplicate = post(client, f"/credit/subjects/{subject.id}/records/new", _record(content="另一条"))
    assert duplicate.status_code == 422 and "不能重复录入" in body(duplicate)
    assert db.session.execute(db.select(db.func.count(C.CreditRecord.id))).scalar_one() == before + 1


def test_invalid_id_and_credit_codes_are_refused(demo, client):
    login(client, "credit")
    region = user("credit").region_id
    person = post(
        client,
        "/credit/subjects/new",
        {
            "kind": "person",
            "name": "测试",
            "id_number": "330127198503121234",
            "phone": "13900000000",
            "region_id": str(region),
        },
    )
    assert person.status_code == 422 and "校验位不正确" in body(person)
    org = post(
        client,
        "/credit/subjects/new",
        {
            "kind": "org",
            "name": "测试公司",
            "uscc": "91330127MA2B3C4D5A",
            "legal_rep_name": "某人",
            "legal_rep_id": "330127198503121233",
            "phone": "13900000000",
            "region_id": str(region),
        },
    )
    assert org.status_code == 422 and "统一社会信用代码校验位不正确" in body(org)
    duplicate = post(
        client,
        "/credit/subjects/new",
        {
            "kind": "person",
            "name": "陈志明",
            "id_number": "330127198503121233",
            "phone": "13900000000",
            "region_id": str(region),
        },
    )
    assert duplicate.status_code == 422 and "已登记" in body(duplicate)
    ok = post(
        client,
        "/credit/subjects/new",
        {
            "kind": "person",
            "name": "新主体",
            "id_number": "330127197309097896",
            "phone": "13900000000",
            "region_id": str(region),
        },
    )
    assert ok.status_code == 303
    created = subject_by_name("新主体")
    assert created.id_number_hash and "330127197309097896" not in (created.id_number_enc or "")


def test_department_sees_only_its_records_and_other_area_is_404(demo, client, app):
    login(client, "dept")
    other = record_by_doc("青市监罚〔2026〕102号")
    own = record_by_doc("青公(消)行罚决字〔2026〕41号")
    assert client.get(f"/credit/records/{other.id}").status_code == 404
    assert client.get(f"/credit/records/{own.id}").status_code == 200
    page = body(client.get(f"/credit/subjects/{subject_by_name('青禾县清溪食品有限公司').id}"))
    assert "青市监罚〔2026〕102号" not in page
    grid = app.test_client()
    login(grid, "grid")  # grid workers have no credit permission
    assert grid.get("/credit/subjects").status_code == 403


def test_subject_search_by_id_number_and_masked(demo, client):
    login(client, "credit")
    page = body(client.get("/credit/subjects?q=330127198503121233"))
    assert "陈志明" in page and "林晓红" not in page and "3301**********1233" in page
    assert "3301271985" not in page.split('id="subjects"')[1]


def test_subject_list_runs_fixed_number_of_queries(demo, client, count_queries):
    login(client, "credit")
    client.get("/credit/subjects?size=2")
    with count_queries() as small:
        client.get("/credit/subjects?size=2")
    with count_queries() as large:
        client.get("/credit/subjects?size=50")
    assert small.count == large.count


def test_expired_record_shows_expired_and_leaves_public_list(demo):
    record = record_by_doc("青公(治)行罚决字〔2024〕112号")
    assert record.shown_status(date(2026, 11, 22)) == "expired"
    assert record.id not in [r.id for r in services.public_records(record.subject_id, date(2026, 11, 22))]


def test_fulfilment_change_is_audited_and_counts_in_score(demo, client):
    login(client, "credit")
    record = record_by_doc("青市监诺〔2026〕77号")
    assert post(client, f"/credit/records/{record.id}/fulfilment", {"fulfilment": "kept"}).status_code == 303
    db.session.expire_all()
    assert record_by_doc("青市监诺〔2026〕77号").fulfilment == "kept"
    row = db.session.execute(
        db.select(AuditLog).where(AuditLog.action == "credit.record.fulfilment")
    ).scalar_one()
    assert row.changes["fulfilment"] == ["pending", "kept"]
    page = body(client.get(f"/credit/subjects/{record.subject_id}"))
    assert "已履约 1 条" in page
    other = record_by_doc("青卫表〔2026〕3号")
    post(client, f"/credit/records/{other.id}/fulfilment", {"fulfilment": "kept"})
    db.session.expire_all()
    assert record_by_doc("青卫表〔2026〕3号").fulfilment is None


def test_reveal_full_id_needs_permission_and_is_audited(demo, client, app):
    login(client, "credit")
    subject = subject_by_name("陈志明")
    page = body(client.get(f"/credit/subjects/{subject.id}"))
    assert "3301**********1233" in page and "显示完整号码" in page
    revealed = post(client, f"/credit/subjects/{subject.id}/reveal", headers={"HX-Request": "true"})
    assert "330127198503121233" in body(revealed)
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "credit.subject.reveal")).first()
    dept = app.test_client()
    login(dept, "dept")
    assert "显示完整号码" not in body(dept.get(f"/credit/subjects/{subject.id}"))
    assert post(dept, f"/credit/subjects/{subject.id}/reveal").status_code == 403
