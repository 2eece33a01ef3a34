"""Every GET route, opened as a full page (no HX-Request) by each staff role, answers without a server error.

Fragment endpoints are reached as full pages by a reload, a bookmark or a link opened in a new tab.
"""
import pytest
from werkzeug.routing import AnyConverter

from app.extensions import db
from app.models import credit as C
from app.models.dispatch import DispatchRun, DispatchTarget
from app.models.household import Household
from app.models.job import Job
from app.models.move import Move
from app.models.person import Person
from app.models.region import Region
from app.models.report import ReportArchive
from app.models.source import ImportBatch
from app.models.ticket import SlaPolicy, Ticket, TicketAttachment
from app.models.user import User
from app.models.visit import Visit
from tests.conftest import login

MODELS = {"ticket_id": Ticket, "attachment_id": TicketAttachment, "policy_id": SlaPolicy, "move_id": Move,
          "visit_id": Visit, "objection_id": C.Objection, "record_id": C.CreditRecord,
          "repair_id": C.RepairApplication, "report_id": C.CreditReport, "subject_id": C.CreditSubject,
          "run_id": DispatchRun, "target_id": DispatchTarget, "region_id": Region, "user_id": User,
          "archive_id": ReportArchive, "batch_id": ImportBatch, "job_id": Job}
ROLES = ("admin", "county", "community", "grid", "credit", "dept", "opslead", "engineer")


def _first(model):
    return db.session.execute(db.select(model.id).order_by(model.id)).scalars().first()


def _values(rule) -> dict:
    household = db.session.execute(db.select(Household).where(Household.number == "QH00100100101")).scalar_one()
    member = db.session.execute(db.select(Person.id).where(Person.household_id == household.id,
                                                            Person.is_head.is_(False))).scalars().first()
    report = db.session.execute(db.select(C.CreditReport.number)).scalars().first()
    values = {"household_id": household.id, "person_id": member, "source_key": "huji",
              "number": report or "2026010100001", "token": "not-a-token", "action": "x"}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif name in MODELS:
            values[name] = _first(MODELS[name]) or 1
    return {name: values.get(name, 1) for name in rule.arguments}


def _urls(app) -> list[str]:
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint == "static" or rule.endpoint.startswith("kiosk."):
                continue
            urls.append(url_for(rule.endpoint, **_values(rule)))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_as_a_full_page_answers_without_a_server_error(demo, app, role):
    client = app.test_client()
    login(client, role)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a broken page must show as 500 here, not as a test error
    failures = []
    for url in _urls(app):
        status = client.get(url).status_code
        if status >= 500:
            failures.append((url, status))
    assert not failures
