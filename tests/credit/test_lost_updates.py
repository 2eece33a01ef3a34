"""Credit records changed from pages opened at the same time: the second change is refused, nothing reverted."""
import pytest

from app.blueprints.credit import appeals, services
from app.extensions import db
from app.models import credit as C
from app.versioning import StaleEdit
from tests.conftest import body, login, post
from tests.credit.helpers import department_user, record_by_doc, user
from tests.stale_forms import rendered_version

PROMISE = "青市监诺〔2026〕77号"


def test_second_fulfilment_change_from_an_old_page_is_refused(demo, app):
    first, second = app.test_client(), app.test_client()
    login(first, "credit")
    login(second, "credit")
    record_id = record_by_doc(PROMISE).id
    url = f"/credit/records/{record_id}"
    version_a, version_b = rendered_version(body(first.get(url))), rendered_version(body(second.get(url)))
    assert post(first, f"{url}/fulfilment", {"fulfilment": "kept", "row_version": version_a}).status_code == 303
    refused = post(second, f"{url}/fulfilment", {"fulfilment": "broken", "row_version": version_b},
                   follow_redirects=True)
    assert "该记录已被他人修改" in body(refused) and "kept" in body(refused)
    db.session.expire_all()
    assert db.session.get(C.CreditRecord, record_id).fulfilment == "kept"


def test_an_objection_answer_from_a_form_older_than_the_record_is_refused(demo):
    credit = user("credit")
    record = record_by_doc(PROMISE)
    source = department_user("scjg", record.department)  # the deciding department answers (谁认定)
    objection = appeals.file_objection(record, reason="承诺已履行", channel="counter", actor=credit)
    appeals.forward_objection(credit, objection)
    stale = db.session.get(C.CreditRecord, record.id).row_version
    services.set_fulfilment(credit, db.session.get(C.CreditRecord, record.id), "kept", version=stale)
    with pytest.raises(StaleEdit) as refused:
        appeals.answer_objection(source, objection, outcome="uphold", answer="维持", version=stale)
    assert "该记录已被他人修改" in str(refused.value)
    db.session.rollback()
    assert db.session.get(C.Objection, objection.id).state == C.FORWARDED
    assert db.session.get(C.CreditRecord, record.id).fulfilment == "kept"
