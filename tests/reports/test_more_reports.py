"""Visit coverage, moves, credit records and ticket SLA reports: totals match independent database counts."""
import openpyxl

from app.blueprints.reports.period import Period
from app.clock import local_today, utcnow
from app.extensions import db
from app.models.credit import CATEGORIES, OBJECTED, REPAIRED, CreditRecord
from app.models.household import Household
from app.models.move import APPLIED, Move
from app.models.region import Region
from app.models.report import ReportArchive
from app.models.ticket import Ticket
from app.models.user import User
from app.models.visit import Visit
from tests.conftest import login, post
from workers.queues import drain


def _region(code):
    return db.session.execute(db.select(Region).where(Region.code == code)).scalar_one()


def _generate(client, app, key, code="330127"):
    login(client, "county")
    response = post(client, "/reports/", {"report": key, "region_id": _region(code).id,
                                          "period": local_today().strftime("%Y-%m")})
    assert response.status_code == 303
    drain(app)
    entry = db.session.execute(db.select(ReportArchive).where(ReportArchive.report_key == key)).scalar_one()
    return list(openpyxl.load_workbook(entry.path).active.iter_rows(values_only=True))


def _period():
    return Period.parse(local_today().strftime("%Y-%m"))


def _all(model):
    return list(db.session.execute(db.select(model)).scalars())


def test_visit_coverage_matches_database(demo, client, app):
    rows = _generate(client, app, "visit_coverage")
    assert rows[0][0] == "青禾县走访覆盖统计表" and rows[3][1] == "在册户数"
    period = _period()
    homes = {h.id for h in _all(Household) if h.deleted_at is None}
    visits = [v for v in _all(Visit) if period.start_utc <= v.visited_at < period.end_utc and v.household_id in homes]
    seen = {v.household_id for v in visits}
    total = next(r for r in rows if r[0] == "合计")
    assert total[1] == len(homes) > 0
    assert total[2] == len(seen)
    assert abs(total[3] - len(seen) / len(homes)) < 1e-9
    assert total[4] == len(visits) and total[5] == sum(1 for v in visits if v.follow_up)
    towns = [r for r in rows if r[0] in ("清溪镇", "石门乡")]
    assert len(towns) == 2 and sum(r[1] for r in towns) == total[1]


def _transfer_between_towns():
    """One applied 县内迁移 from a 清溪镇 household to 石门乡, decided now."""
    qingxi, shimen = _region("330127001"), _region("330127002")
    home = db.session.execute(db.select(Household).join(Region, Region.id == Household.region_id).where(
        Region.path.startswith(qingxi.path), Household.deleted_at.is_(None)).limit(1)).scalar_one()
    target = db.session.execute(db.select(Region).where(Region.parent_id == shimen.id).limit(1)).scalar_one()
    officer = db.session.execute(db.select(User).where(User.username == "county")).scalar_one()
    db.session.add(Move(kind="transfer", state=APPLIED, from_household_id=home.id, from_region_id=home.region_id,
                        to_region_id=target.id, event_date=local_today(), requested_by=officer.id,
                        decided_by=officer.id, decided_at=utcnow()))
    db.session.commit()


def test_moves_monthly_matches_database(demo, client, app):
    _transfer_between_towns()
    rows = _generate(client, app, "moves_monthly")
    assert rows[0][0] == "青禾县迁入迁出统计表" and rows[3][1] == "迁出"
    period = _period()
    county_ids = set(db.session.execute(db.select(Region.id).where(
        Region.path.startswith(_region("330127").path))).scalars())
    moves = [m for m in _all(Move) if m.state == APPLIED and m.decided_at
             and period.start_utc <= m.decided_at < period.end_utc]
    out = sum(1 for m in moves if m.kind == "out" and m.from_region_id in county_ids)
    came = sum(1 for m in moves if m.kind == "in" and m.to_region_id in county_ids)
    total = next(r for r in rows if r[0] == "合计")
    assert total[1] == out and total[2] == came
    assert total[3] == total[4] == 1  # the transfer stays inside the county: counted in and out
    qingxi, shimen = (next(r for r in rows if r[0] == name) for name in ("清溪镇", "石门乡"))
    assert (qingxi[3], qingxi[4], shimen[3], shimen[4]) == (0, 1, 1, 0)
    assert total[7] == sum(total[1:7])
    towns = [r for r in rows if r[0] in ("清溪镇", "石门乡")]
    assert len(towns) == 2 and sum(r[1] + r[2] for r in towns) == out + came


def test_credit_records_rows_per_department(demo, client, app):
    sample = db.session.execute(db.select(CreditRecord).limit(1)).scalar_one()
    db.session.add(CreditRecord(subject_id=sample.subject_id, category=sample.category, department="县测试局",
                                doc_number="测试〔2026〕1号", decision_date=local_today(), content="测试",
                                pub_start=local_today(), pub_end=local_today()))
    db.session.commit()
    rows = _generate(client, app, "credit_records")
    assert rows[0][0] == "青禾县信用记录统计表" and rows[2][0] == "来源部门"
    assert list(rows[3][1:1 + len(CATEGORIES)]) == list(CATEGORIES.values())
    period = _period()
    records = _all(CreditRecord)
    decided = [r for r in records if period.first_day <= r.decision_date <= period.last_day]
    total = next(r for r in rows if r[0] == "合计")
    for col, key in enumerate(CATEGORIES, start=1):
        assert total[col] == sum(1 for r in decided if r.category == key), key
    width = len(CATEGORIES)
    assert total[width + 1] == len(decided) > 0
    assert total[width + 2] == sum(1 for r in records if r.status == OBJECTED)
    assert total[width + 3] == sum(1 for r in records if r.status == REPAIRED)
    departments = sorted({r.department for r in records})
    body = [r for r in rows[4:] if r[0] in departments]
    assert [r[0] for r in body] == departments
    assert sum(r[width + 1] for r in body) == total[width + 1]


def test_ticket_sla_counts_created_tickets(demo, client, app):
    rows = _generate(client, app, "ticket_sla")
    assert rows[0][0] == "青禾县工单 SLA 统计表" and rows[3][1] == "本月新建"
    period = _period()
    created = [t for t in _all(Ticket) if period.start_utc <= t.created_at < period.end_utc]
    total = next(r for r in rows if r[0] == "合计")
    assert total[1] == len(created)
    assert total[2] == sum(1 for t in created if t.state == "cancelled")
    severities = [r for r in rows[4:] if r[0] and str(r[0]).startswith("P")]
    assert len(severities) == 3 and sum(r[1] for r in severities) == total[1]
    for row in [*severities, total]:
        assert 0 <= row[4] <= 1 and 0 <= row[7] <= 1
        assert row[3] <= row[1] - row[2] and row[6] <= row[5]
