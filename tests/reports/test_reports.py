"""One-click reports: workbook totals match the database, scoping, archive, monthly generation."""
from pathlib import Path

import openpyxl

from app.blueprints.reports.period import Period
from app.clock import local_today
from app.extensions import db
from app.models.region import Region
from app.models.report import ReportArchive
from app.models.user import User
from tests.conftest import body, login, post
from workers.queues import drain, get_queue
from workers.reports import monthly_reports
from app.blueprints.reports.registry import load_definitions
from app.models.household import Household
from app.models.person import Person


def _region(code):
    return db.session.execute(db.select(Region).where(Region.code == code)).scalar_one()


def _rows(path) -> list[tuple]:
    return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))


def test_usage_report_totals_match_database(demo, client, app):
    login(client, "county")
    this_month = local_today().strftime("%Y-%m")
    response = post(client, "/reports/", {"report": "usage", "region_id": _region("330127").id,
                                          "period": this_month})
    assert response.status_code == 303
    drain(app)
    entry = db.session.execute(db.select(ReportArchive)).scalar_one()
    rows = _rows(entry.path)
    assert rows[0][0] == "青禾县系统使用统计表"
    assert Period.parse(this_month).label in rows[1][0]
    header = rows[3]
    assert header[1] == "账号总数"
    data = [r for r in rows[4:] if r[0] in ("清溪镇", "石门乡")]
    assert [r[0] for r in data] == ["清溪镇", "石门乡"]
    total = next(r for r in rows if r[0] == "合计")
    users = db.session.execute(db.select(db.func.count(User.id))).scalar_one()
    assert total[1] == users == 12
    qingxi = _region("330127001")
    in_town = db.session.execute(db.select(db.func.count(User.id)).join(Region).where(
        Region.path.startswith(qingxi.path))).scalar_one()
    assert data[0][1] == in_town
    assert total[4] == 1  # county's own login this month
    assert "制表：县级管理员 王建国" in (next(r for r in rows if r[0] and str(r[0]).startswith("制表"))[0])


def test_report_for_area_outside_subtree_is_404(demo, client):
    login(client, "town")  # 清溪镇
    response = post(client, "/reports/", {"report": "usage", "region_id": _region("330127002").id,
                                          "period": "2026-10"})
    assert response.status_code == 404
    assert db.session.execute(db.select(ReportArchive)).first() is None


def test_bad_month_is_refused(demo, client):
    login(client, "county")
    response = post(client, "/reports/", {"report": "usage", "region_id": _region("330127").id, "period": "2026-13"})
    assert response.status_code == 422 and "YYYY-MM" in body(response)


def test_monthly_generation_covers_every_area_once(demo, app):
    get_queue(app, "default").enqueue(monthly_reports)
    drain(app)
    archived = db.session.execute(db.select(ReportArchive)).scalars().all()
    areas = db.session.execute(db.select(db.func.count(Region.id)).where(Region.level != "grid")).scalar_one()
    reports = len(load_definitions())
    assert areas == 7 and len(archived) == areas * reports
    assert all(a.scheduled and Path(a.path).is_file() for a in archived)
    get_queue(app, "default").enqueue(monthly_reports)
    drain(app)
    assert db.session.execute(db.select(db.func.count(ReportArchive.id))).scalar_one() == areas * reports


def test_archive_is_scoped_and_downloadable(demo, client, app):
    get_queue(app, "default").enqueue(monthly_reports)
    drain(app)
    login(client, "community")  # 清溪社区
    page = body(client.get("/reports/"))
    assert "清溪社区" in page and "石门村" not in page
    own = db.session.execute(db.select(ReportArchive).join(Region).where(
        Region.code == "330127001001", ReportArchive.report_key == "usage")).scalar_one()
    other = db.session.execute(db.select(ReportArchive).join(Region).where(
        Region.code == "330127002001", ReportArchive.report_key == "usage")).scalar_one()
    assert client.get(f"/reports/archive/{own.id}").status_code == 200
    assert client.get(f"/reports/archive/{other.id}").status_code == 404


def test_grid_worker_has_no_reports(demo, client):
    login(client, "grid")
    assert client.get("/reports/").status_code == 403


def _generate(client, app, key, code):
    login(client, "county")
    response = post(client, "/reports/", {"report": key, "region_id": _region(code).id,
                                          "period": local_today().strftime("%Y-%m")})
    assert response.status_code == 303
    drain(app)
    entry = db.session.execute(db.select(ReportArchive).where(ReportArchive.report_key == key)).scalar_one()
    return _rows(entry.path)


def _registered(code=None):
    stmt = (db.select(Person).join(Household, Household.id == Person.household_id)
            .where(Person.deleted_at.is_(None), Household.deleted_at.is_(None), Person.residence_status == "在册"))
    if code:
        region = _region(code)
        stmt = stmt.join(Region, Region.id == Household.region_id).where(Region.path.startswith(region.path))
    return list(db.session.execute(stmt).scalars())


def test_population_report_matches_database(demo, client, app):
    rows = _generate(client, app, "population", "330127")
    assert rows[0][0] == "青禾县人口统计表"
    people = _registered()
    total = next(r for r in rows if r[0] == "合计")
    assert total[1] == len(people) > 0
    assert total[2] == sum(1 for p in people if p.gender == "男")
    assert total[3] == sum(1 for p in people if p.gender == "女")
    assert sum(total[4:8]) == len(people)  # the age bands cover everyone
    assert total[8] + total[9] == len(people)
    town = next(r for r in rows if r[0] == "清溪镇")
    assert town[1] == len(_registered("330127001"))
    assert sum(r[1] for r in rows if r[0] in ("清溪镇", "石门乡")) == total[1]


def test_key_groups_report_counts_tags(demo, client, app):
    from app.blueprints.reports.definitions.key_groups import tag_names

    rows = _generate(client, app, "key_groups", "330127")
    person_tags, household_tags = tag_names("person"), tag_names("household")
    assert rows[2][0] == "区域" and list(rows[3][1:1 + len(person_tags)]) == person_tags
    total = next(r for r in rows if r[0] == "合计")
    people = _registered()
    for col, name in enumerate(person_tags, start=1):
        assert total[col] == sum(1 for p in people if name in p.tag_list), name
    homes = list(db.session.execute(db.select(Household).where(Household.deleted_at.is_(None))).scalars())
    for col, name in enumerate(household_tags, start=1 + len(person_tags)):
        assert total[col] == sum(1 for h in homes if name in h.tag_list), name
    assert sum(total[1:]) > 0
