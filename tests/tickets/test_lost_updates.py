"""Two people act on one ticket from pages opened at the same time: the second action is refused, nothing reverted."""
import re

from app.extensions import db
from app.models.ticket import Ticket
from tests.conftest import body, login, post


def _version(page: str, action: str) -> str:
    form = re.search(rf'<form[^>]*action="[^"]*/{action}"[^>]*>(.*?)</form>', page, re.S)
    assert form, f"no {action} form"
    return re.search(r'name="row_version" value="(\d+)"', form.group(1)).group(1)


def test_second_action_from_an_old_ticket_page_is_refused(demo, app, users, make_ticket):
    ticket = make_ticket(severity="P3")
    db.session.commit()
    ticket_id, system_id, engineer = ticket.id, ticket.system_id, users["engineer"].id
    first, second = app.test_client(), app.test_client()
    login(first, "opslead")
    login(second, "opslead")
    url = f"/tickets/{ticket_id}"
    page_a, page_b = body(first.get(url)), body(second.get(url))
    assert post(first, f"{url}/sla", {"severity": "P1", "system_id": str(system_id),
                                      "row_version": _version(page_a, "sla")}).status_code == 303
    refused = post(second, f"{url}/assign", {"assignee_id": str(engineer), "team": "二线",
                                             "row_version": _version(page_b, "assign")})
    assert refused.status_code == 422
    assert "该记录已被他人修改" in body(refused) and "P1" in body(refused)
    ticket = db.session.get(Ticket, ticket_id)
    assert (ticket.severity, ticket.assignee_id) == ("P1", None)
    stale_transition = post(second, f"{url}/transition", {"action": "respond",
                                                          "row_version": _version(page_b, "transition")})
    assert stale_transition.status_code == 422 and "该记录已被他人修改" in body(stale_transition)
    assert db.session.get(Ticket, ticket_id).state == "new"
    fresh = body(second.get(url))
    assert post(second, f"{url}/assign", {"assignee_id": str(engineer), "team": "二线",
                                          "row_version": _version(fresh, "assign")}).status_code == 303
    assert db.session.get(Ticket, ticket_id).assignee_id == engineer
