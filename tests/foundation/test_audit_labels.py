"""The audit log speaks Chinese: every action and object type has a label, objects are named, times are local."""
import ast
from datetime import datetime, timedelta

from app.extensions import db
from app.models.audit import AuditLog
from app.models.household import Household
from app.models.person import Person
from app.models.source import SourceRecord
from app.security import audit
from app.security.audit_labels import LABELS, OBJECT_LABELS
from tests.conftest import body, login, project_root


def _recorded_actions() -> tuple[set[str], list[str]]:
    """Literal first arguments of audit.record/record_now in app/ and workers/, and the dynamic ones."""
    literal, dynamic = set(), []
    root = project_root()
    for path in [*(root / "app").rglob("*.py"), *(root / "workers").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in ("record", "record_now") or path.name == "audit.py" and path.parent.name == "security":
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                literal.add(first.value)
            else:
                dynamic.append(f"{path.name}: {ast.unparse(first)}")
    return literal, dynamic


def test_every_recorded_action_has_a_chinese_label():
    from app.blueprints.credit.appeal_states import REPAIR_MOVES
    from app.blueprints.tickets.states import TRANSITIONS

    literal, dynamic = _recorded_actions()
    assert len(literal) > 80
    assert sorted(literal - LABELS.keys()) == []
    # The computed ones: ticket.<transition>, credit.repair.<move>, user.enable/disable, login refusals,
    # dispatch.pause/resume, dead letters.
    assert len(dynamic) == 6, dynamic
    computed = {f"ticket.{name}" for name in TRANSITIONS} | {f"credit.repair.{name}" for name in REPAIR_MOVES} | {
        "user.enable", "user.disable", "auth.login_failed", "auth.login_locked", "dispatch.pause",
        "dispatch.resume", "dispatch.dead_letter_requeued", "dispatch.dead_letter_discarded"}
    assert sorted(computed - LABELS.keys()) == []
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in LABELS.values())


def test_every_table_has_an_object_label(app):
    assert sorted(set(db.metadata.tables) - OBJECT_LABELS.keys()) == []


def test_audit_page_shows_labels_names_and_china_time(demo, client):
    household = db.session.execute(db.select(Household).where(Household.number == "QH00100100101")).scalar_one()
    head = db.session.execute(db.select(Person).where(Person.household_id == household.id,
                                                      Person.is_head.is_(True))).scalar_one()
    audit.record("household.update", household, detail="测试")
    audit.record("person.reveal", head)
    db.session.commit()
    login(client, "county")
    html = body(client.get("/admin/audit"))
    assert "修改户档" in html and "户档 QH00100100101" in html
    assert "查看完整证件号" in html and "成员 李**" in html and "李淑华" not in html
    assert "household.update" not in html.replace('title="household.update"', "")
    row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "person.reveal")).scalar_one()
    assert (row.at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") in html  # China time
    assert row.at.strftime("%Y-%m-%d %H:%M") not in html  # not the stored UTC


def test_pool_dates_are_china_dates(demo, client):
    from fixtures.loader import read_csv

    newcomer = next(r for r in read_csv("pool/huji.csv") if r["姓名"] == "林可馨")
    record = db.session.execute(db.select(SourceRecord).where(SourceRecord.name == "林可馨")).scalars().first()
    record.changed_at = datetime(2026, 6, 16, 23, 30)  # 2026-06-17 07:30 in China
    db.session.commit()
    login(client, "grid")
    hid = db.session.execute(db.select(Household.id).where(Household.number == "QH00100100101")).scalar_one()
    html = body(client.get(f"/households/{hid}/members/autofill", query_string={"id_number": newcomer["公民身份号码"]},
                           headers={"HX-Request": "true"}))
    assert "来源：户籍 2026-06-17" in html and "2026-06-16" not in html
