"""失信信息 classes under Order 36: bounds per class, classes that fit the category, 轻微 unpublished unless
marked necessary, automatic end at the longest period, and legacy records listed (never silently changed)."""

from datetime import date, timedelta

import pytest

from app.blueprints.credit import classes, services
from app.extensions import db
from app.models import credit as C
from app.validation import Invalid
from tests.conftest import body, login, post
from tests.credit.helpers import outbox_events, record_by_doc, subject_by_name
from tests.frozen import FROZEN_TODAY

DECISION = date(2026, 3, 1)


@pytest.mark.parametrize(
    "severity, default_end, shortest, longest, too_short, too_long, message",
    [
        ("minor", date(2026, 6, 1), None, date(2026, 6, 1), None, date(2026, 6, 2), "不得长于 3 个月"),
        ("normal", date(2027, 3, 1), date(2026, 6, 1), date(2027, 3, 1), date(2026, 5, 31), date(2027, 3, 2),
         "3 个月"),
        ("serious", date(2029, 3, 1), date(2027, 3, 1), date(2029, 3, 1), date(2027, 2, 28), date(2029, 3, 2),
         "1 年"),
    ],
)
def test_each_class_has_its_bounds(demo, severity, default_end, shortest, longest, too_short, too_long, message):
    assert services.check_window("penalty", severity, DECISION, None, None) == (DECISION, default_end)
    assert services.check_window("penalty", severity, DECISION, None, longest)[1] == longest
    if shortest:
        assert services.check_window("penalty", severity, DECISION, None, shortest)[1] == shortest
        with pytest.raises(Invalid) as short:
            services.check_window("penalty", severity, DECISION, None, too_short)
        assert "不得短于" in str(short.value) and message in str(short.value)
    with pytest.raises(Invalid) as long:
        services.check_window("abnormal", severity, DECISION, None, too_long)
    assert "不得长于" in str(long.value)


@pytest.mark.parametrize(
    "category, severity, message",
    [
        ("penalty", "", "行政处罚须选择失信等级（轻微、一般、严重）"),
        ("blacklist", "normal", "严重失信主体名单只能是严重失信信息，不能定为一般"),
        ("abnormal", "", "异常名录须选择失信等级"),
        ("watch", "", "其他失信信息须选择失信等级"),
    ],
)
def test_a_class_must_fit_the_category(demo, client, category, severity, message):
    login(client, "dept")
    subject = subject_by_name("陈志明")
    before = db.session.execute(db.select(db.func.count(C.CreditRecord.id))).scalar_one()
    data = {"category": category, "severity": severity, "doc_number": "青测〔2026〕9号",
            "decision_date": "2026-10-01", "content": "测试内容"}
    response = post(client, f"/credit/subjects/{subject.id}/records/new", data)
    assert response.status_code == 422 and message in body(response)
    assert 'value="青测〔2026〕9号"' in body(response)  # nothing typed is lost
    assert db.session.execute(db.select(db.func.count(C.CreditRecord.id))).scalar_one() == before


def test_minor_record_is_unpublished_unless_marked_necessary(demo, client):
    login(client, "dept")
    subject = subject_by_name("陈志明")
    data = {"category": "penalty", "severity": "minor", "doc_number": "青公简〔2026〕1号",
            "decision_date": "2026-11-20", "content": "当场警告", "penalty_kind": "警告"}
    assert post(client, f"/credit/subjects/{subject.id}/records/new", data).status_code == 303
    hidden = record_by_doc("青公简〔2026〕1号")
    assert hidden.pub_end == date(2027, 2, 20) and not hidden.publish_necessary
    assert hidden.shown_status(FROZEN_TODAY) == "unpublished"
    marked = dict(data, doc_number="青公简〔2026〕2号", publish_necessary="y")
    assert post(client, f"/credit/subjects/{subject.id}/records/new", marked).status_code == 303
    shown = [r.doc_number for r in services.public_records(subject.id)]
    assert "青公简〔2026〕2号" in shown and "青公简〔2026〕1号" not in shown
    assert "青公(交)简罚〔2026〕7号" not in shown  # the demo's unmarked 轻微 warning
    shared = [e.payload["doc_number"] for e in outbox_events("credit.record.published")]
    assert "青公简〔2026〕2号" in shared and "青公简〔2026〕1号" not in shared  # unpublished is not shared either


def test_publication_ends_by_itself_at_the_longest_period(demo):
    record = record_by_doc("青公(消)行罚决字〔2026〕41号")  # 一般, default end = longest = 12 months
    last_day = classes.add_months(record.decision_date, 12)
    assert record.pub_end == last_day
    assert record.id in [r.id for r in services.public_records(record.subject_id, last_day)]
    after = last_day + timedelta(days=1)
    assert record.id not in [r.id for r in services.public_records(record.subject_id, after)]
    assert record.shown_status(after) == "expired"


def test_legacy_records_are_listed_not_changed_and_still_end_at_the_longest_period(demo, client):
    # A 严重 penalty with the old 6-month window and an unclassified 重点关注 record, as the old rules allowed.
    subject = subject_by_name("陈志明")
    subject_id = subject.id
    legacy = [
        C.CreditRecord(subject_id=subject.id, category="penalty", severity="serious", department="县公安局",
                       doc_number="旧罚〔2026〕1号", decision_date=date(2026, 9, 1), content="旧规则六个月",
                       pub_start=date(2026, 9, 1), pub_end=date(2027, 3, 1)),
        C.CreditRecord(subject_id=subject.id, category="watch", severity="serious", department="县公安局",
                       doc_number="旧注〔2022〕1号", decision_date=date(2022, 1, 10), content="旧规则五年",
                       pub_start=date(2022, 1, 10), pub_end=date(2027, 1, 10)),
        C.CreditRecord(subject_id=subject.id, category="watch", severity=None, department="县公安局",
                       doc_number="旧注〔2026〕2号", decision_date=date(2026, 5, 10), content="旧规则未分级",
                       pub_start=date(2026, 5, 10), pub_end=date(2027, 5, 10)),
    ]
    db.session.add_all(legacy)
    db.session.commit()
    login(client, "credit")
    page = body(client.get("/credit/rules-review"))
    assert "旧罚〔2026〕1号" in page and "不得短于 1 年" in page
    assert "旧注〔2022〕1号" in page and "不得长于 3 年" in page
    assert "旧注〔2026〕2号" in page and "须选择失信等级" in page
    db.session.expire_all()
    assert record_by_doc("旧罚〔2026〕1号").pub_end == date(2027, 3, 1)  # never silently changed
    assert record_by_doc("旧注〔2022〕1号").pub_end == date(2027, 1, 10)
    # The five-year 严重 record stopped being published by itself after three years.
    shown = [r.doc_number for r in services.public_records(subject_id)]
    assert "旧注〔2022〕1号" not in shown and "旧罚〔2026〕1号" in shown
