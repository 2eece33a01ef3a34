"""Every one-click report reads back with all its header cells and prints like an office form."""
import pytest

from app.blueprints.reports.registry import load_definitions
from app.clock import local_today
from app.extensions import db
from app.models.region import Region
from app.models.report import ReportArchive
from tests.conftest import login, post
from tests.xlsx_checks import assert_printable, header_cells, open_book
from workers.queues import drain


def _generate(client, app, key):
    login(client, "county")
    county = db.session.execute(db.select(Region).where(Region.code == "330127")).scalar_one()
    response = post(client, "/reports/", {"report": key, "region_id": county.id,
                                          "period": local_today().strftime("%Y-%m")})
    assert response.status_code == 303
    drain(app)
    entry = db.session.execute(db.select(ReportArchive).where(ReportArchive.report_key == key)).scalar_one()
    return entry.path


@pytest.mark.parametrize("key", sorted(load_definitions()))
def test_every_header_cell_is_written_and_the_sheet_prints(demo, client, app, key):
    sheet = open_book(_generate(client, app, key)).active
    width = sheet.max_column
    top, bottom = header_cells(sheet, range(3, 5), width)
    assert all(top) and all(bottom), (top, bottom)
    assert top[0] == bottom[0]  # the row-label column spans both header rows
    assert_printable(sheet, title_rows="$1:$4")
    assert sheet.freeze_panes == "B5"


def test_population_header_names_every_group(demo, client, app):
    sheet = open_book(_generate(client, app, "population")).active
    top, bottom = header_cells(sheet, range(3, 5), sheet.max_column)
    assert top[:2] == ["区域", "在册人口"] and bottom[:2] == ["区域", "在册人口"]
    assert [top[2], top[4], top[8], top[10]] == ["性别", "年龄", "民族", "人口类型"]
    assert bottom[2:4] == ["男", "女"]
