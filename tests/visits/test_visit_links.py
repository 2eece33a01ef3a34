"""After a visit the worker can go straight back to the household; the form says whose household it is."""
from app.clock import local_today
from tests.conftest import body, login, post
from tests.visits.helpers import household


def test_visit_form_names_the_head_and_links_the_household(demo, client):
    login(client, "grid")
    hid = household("QH00100100101").id
    form = body(client.get(f"/visits/new/{hid}", headers={"HX-Request": "true"}))
    assert "户主 <b>李淑华</b>" in form and f'href="/households/{hid}"' in form


def test_success_message_links_the_household(demo, client):
    login(client, "grid")
    hid = household("QH00100100101").id
    saved = post(client, f"/visits/new/{hid}", {"visited_on": local_today().isoformat(), "visited_time": "09:30",
                                                "kind": "常规走访", "participants": "户主", "c0": "正常",
                                                "findings": "一切正常"})
    assert saved.status_code == 303
    page = body(client.get(saved.headers["Location"]))
    assert f'已记录对 <a href="/households/{hid}">QH00100100101（户主 李淑华）</a> 的走访' in page
