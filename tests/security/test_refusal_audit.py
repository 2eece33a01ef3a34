"""Refused requests anyone can send are audited, but capped per address so they cannot flood the log."""
from app.extensions import db
from app.models.audit import AuditLog
from app.security.audit import REFUSALS_PER_MINUTE


def _count(action):
    return db.session.execute(db.select(db.func.count(AuditLog.id)).where(AuditLog.action == action)).scalar_one()


def test_token_less_posts_write_a_capped_number_of_audit_rows(demo, client):
    for _ in range(REFUSALS_PER_MINUTE + 20):
        response = client.post("/tickets/new", data={"title": "x"})
        assert response.status_code == 400
    assert _count("security.csrf_rejected") == REFUSALS_PER_MINUTE
    assert _count("security.audit_capped") == 1


def test_each_address_has_its_own_cap(demo, app):
    first, second = app.test_client(), app.test_client()
    second.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    for _ in range(REFUSALS_PER_MINUTE + 5):
        first.post("/login", data={})
    assert second.post("/login", data={}).status_code == 400
    rows = db.session.execute(db.select(AuditLog).where(AuditLog.action == "security.csrf_rejected")).scalars()
    assert {row.address for row in rows} == {"127.0.0.1", "192.0.2.50"}
