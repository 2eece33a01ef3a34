"""The pool: import with rejects and idempotent re-import, bad files, cross-check, conflict resolution, mapping."""
import io

import openpyxl

from app.blueprints.pool.crosscheck import run_cross_check
from app.extensions import db
from app.models.audit import AuditLog
from app.models.person import Person
from app.models.source import Conflict, ImportBatch, SourceRecord
from app.models.user import User
from fixtures.households import POOL_DIR
from tests.conftest import body, login, post
from tests.households.helpers import fresh_id
from workers.queues import drain
from tests.xlsx_checks import assert_printable

HEADER = "公民身份号码,姓名,性别,出生日期,民族,户籍地址,网格代码\n"


def _upload(client, content: bytes, name="huji.csv", source="huji"):
    return post(client, "/pool/", {"source": source, "file": (io.BytesIO(content), name)},
                content_type="multipart/form-data")


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode("utf-8")


def _huji_count() -> int:
    return db.session.execute(db.select(db.func.count(SourceRecord.id)).where(SourceRecord.source == "huji")).scalar()


def test_import_with_rejected_rows_listed_and_downloadable(demo, client, app):
    good, other = fresh_id(11), fresh_id(12, male=False)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    content = _csv(f"{good},张三,男,1990-03-04,汉族,地址,", f"{bad_check},李四,男,1990-03-04,汉族,,",
                   f'{other},"=HYPERLINK(""http://x"",""点我"")",女,1990/3/4,汉族,<b>x</b>,',
                   f"{fresh_id(13)},王五,男,1990-13-40,汉族,,", f"{good},张三,男,1990-03-04,汉族,重复,")
    before = _huji_count()
    login(client, "dept")
    response = _upload(client, content)
    assert response.status_code == 303, body(response)[:1000]
    drain(app)
    batch = db.session.execute(db.select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    assert (batch.state, batch.total_rows, batch.inserted, batch.rejected) == ("done", 5, 1, 4)
    assert [n for n, _ in batch.rejects] == [3, 4, 5, 6]
    reasons = dict(batch.rejects)
    assert "校验位" in reasons[3] and "出生日期" in reasons[5] and "重复" in reasons[6]
    assert reasons[4] == "姓名：不能以 = + - @ 开头（会被 Excel 当作公式）"
    assert _huji_count() == before + 1
    assert not db.session.execute(db.select(SourceRecord).where(SourceRecord.name.like("=%"))).first()
    page = body(client.get(response.headers["Location"]))
    assert "校验位" in page and "会被 Excel 当作公式" in page and "<b>x</b>" not in page
    download = client.get(f"/jobs/{batch.job_id}/download")
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    assert_printable(sheet, title_rows="$1:$1")
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("行号", "原因") and [r[0] for r in rows[1:]] == [3, 4, 5, 6]
    assert rows[2][3].startswith("=HYPERLINK")  # kept as text for the department, never as a formula


def test_reimport_same_file_or_same_rows_creates_no_duplicates(demo, client, app):
    number = fresh_id(21)
    login(client, "dept")
    first = _csv(f"{number},赵六,男,1990-03-04,汉族,甲地,")
    _upload(client, first)
    drain(app)
    count = _huji_count()
    batches = db.session.execute(db.select(db.func.count(ImportBatch.id))).scalar()
    response = _upload(client, first, name="again.csv")
    assert response.status_code == 303
    assert db.session.execute(db.select(db.func.count(ImportBatch.id))).scalar() == batches
    assert "已于" in body(client.get(response.headers["Location"]))
    _upload(client, _csv(f"{number},赵六,男,1990-03-04,汉族,乙地,",
                         f"{number[:0]}{fresh_id(22)},钱七,男,1990-03-04,汉族,,"))
    drain(app)
    batch = db.session.execute(db.select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    assert (batch.inserted, batch.updated, batch.unchanged) == (1, 1, 0)
    assert _huji_count() == count + 1
    record = db.session.execute(db.select(SourceRecord).where(SourceRecord.name == "赵六")).scalar_one()
    assert record.payload["address"] == "乙地"


def test_whole_file_refusals(demo, client, app):
    login(client, "dept")
    before = db.session.execute(db.select(db.func.count(ImportBatch.id))).scalar()
    assert "只支持 .xlsx 或 .csv" in body(_upload(client, b"GIF89a....", name="photo.gif"))
    assert "文件为空" in body(_upload(client, b"", name="empty.csv"))
    response = _upload(client, "身份证,名字\n1,2\n".encode(), name="wrong.csv")
    assert response.status_code == 303
    drain(app)
    batch = db.session.execute(db.select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    assert batch.state == "failed" and "缺少列" in batch.error and "公民身份号码" in batch.error
    assert db.session.execute(db.select(db.func.count(ImportBatch.id))).scalar() == before + 1
    _upload(client, HEADER.encode() + b"\n", name="header-only.csv")
    drain(app)
    batch = db.session.execute(db.select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    assert "没有数据行" in batch.error
    big = _upload(client, b"a" * (21 * 1024 * 1024), name="big.csv")
    assert big.status_code == 413 and "文件超过 20 MB 上限" in body(big)


def test_xlsx_import(demo, client, app):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["公民身份号码", "姓名", "死亡日期"])
    sheet.append([fresh_id(31), "孙八", "2026-01-02"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    login(client, "dept")
    _upload(client, buffer.getvalue(), name="siwang.xlsx", source="siwang")
    drain(app)
    batch = db.session.execute(db.select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    assert (batch.state, batch.inserted) == ("done", 1)


def test_demo_cross_check_found_the_deliberate_disagreements(demo):
    kinds = set(db.session.execute(db.select(Conflict.kind).where(Conflict.state == "open")).scalars())
    assert {"name", "ethnicity", "death", "disability", "marital_status", "unregistered"} <= kinds


def test_conflict_queue_is_scoped_and_resolution_is_audited(demo, client):
    login(client, "grid")
    html = body(client.get("/pool/conflicts"))
    mine = db.session.execute(db.select(Conflict).join(User, User.username == "grid")
                              .where(Conflict.region_id == User.region_id, Conflict.state == "open",
                                     Conflict.person_id.is_not(None))).scalars().first()
    foreign = db.session.execute(db.select(Conflict).join(User, User.username == "grid")
                                 .where(Conflict.region_id != User.region_id)).scalars().first()
    assert mine is not None and foreign is not None
    cid, fid, kind, source_value, pid = mine.id, foreign.id, mine.kind, mine.source_value, mine.person_id
    assert f'id="conflict-{cid}"' in html and f'id="conflict-{fid}"' not in html
    assert post(client, f"/pool/conflicts/{fid}", {"choice": "keep", "note": "x"}).status_code == 404
    response = post(client, f"/pool/conflicts/{cid}", {"choice": "source", "note": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "处理说明" in body(response)
    response = post(client, f"/pool/conflicts/{cid}", {"choice": "source", "note": "已电话核实"},
                    headers={"HX-Request": "true"})
    assert response.status_code == 200 and "已处理" in body(response) and "<html" not in body(response)
    conflict = db.session.get(Conflict, cid)
    assert (conflict.state, conflict.resolution) == ("resolved", "source")
    person = db.session.get(Person, pid)
    if kind == "death":
        assert person.residence_status == "死亡"
    elif kind == "disability":
        assert "残疾人" in person.tag_list
    else:
        value = getattr(person, kind)
        assert (value.isoformat() if hasattr(value, "isoformat") else value) == source_value
    audit_row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "conflict.resolve")).scalar_one()
    assert audit_row.changes["state"] == ["open", "resolved"]


def test_rerun_keeps_resolved_unless_the_source_changed(demo):
    admin = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
    conflict = db.session.execute(db.select(Conflict).where(Conflict.kind == "ethnicity")).scalars().first()
    conflict.state, conflict.resolution, conflict.note = "resolved", "keep", "档案正确"
    db.session.commit()
    cid = conflict.id
    counts = run_cross_check(admin, admin.region_id)
    assert counts["opened"] == 0 and counts["reopened"] == 0
    assert db.session.get(Conflict, cid).state == "resolved"
    record = db.session.get(SourceRecord, db.session.get(Conflict, cid).source_record_id)
    record.payload = dict(record.payload, ethnicity="满族")
    record.row_hash = "changed"
    db.session.commit()
    counts = run_cross_check(admin, admin.region_id)
    assert counts["reopened"] == 1
    conflict = db.session.get(Conflict, cid)
    assert conflict.state == "open" and conflict.source_value == "满族"


def test_cross_check_job_from_the_page(demo, client, app):
    login(client, "community")
    response = post(client, "/pool/crosscheck", headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="job-' in body(response)
    drain(app)
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "pool.cross_check")).scalar_one()


def test_mapping_change_moves_autofill_source(demo, client):
    login(client, "county")
    assert post(client, "/pool/mapping", {"field": "birth_date", "source": "chusheng"}).status_code == 303
    from app.blueprints.pool.sources import field_sources

    assert field_sources()["birth_date"] == "chusheng"
    assert post(client, "/pool/mapping", {"field": "birth_date", "source": "siwang"}).status_code == 303
    assert field_sources()["birth_date"] == "chusheng"


def test_sample_files_exist_for_every_source():
    from app.blueprints.pool.sources import SOURCES

    for key, source in SOURCES.items():
        header = (POOL_DIR / f"{key}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == source.headers, key


def test_conflict_queue_filters_by_any_region_below(demo, client):
    from app.models.region import Region

    community = db.session.execute(db.select(Region).where(Region.code == "330127001001")).scalar_one().id
    other = db.session.execute(db.select(Region).where(Region.code == "330127001002")).scalar_one().id
    inside = db.session.execute(db.select(db.func.count(Conflict.id)).join(Region, Region.id == Conflict.region_id)
                                .where(Region.code.startswith("330127001001"), Conflict.state == "open")).scalar()
    login(client, "town")
    html = body(client.get(f"/pool/conflicts?region={community}", headers={"HX-Request": "true"}))
    assert inside and html.count('class="card conflict"') == inside
    fragment = body(client.get(f"/pool/conflicts?region={other}", headers={"HX-Request": "true"}))
    assert 'class="card conflict"' in fragment


def test_removing_a_member_withdraws_their_conflicts_and_a_restore_reopens_them(demo, client, app):
    conflict = db.session.execute(
        db.select(Conflict).join(Person, Person.id == Conflict.person_id)
        .where(Conflict.state == "open", Person.is_head.is_(False))).scalars().first()
    assert conflict is not None
    cid, pid, hid, region_id = conflict.id, conflict.person_id, conflict.household_id, conflict.region_id
    login(client, "county")
    assert post(client, f"/households/{hid}/members/{pid}/remove", {"reason": "重复登记"}).status_code == 303
    conflict = db.session.get(Conflict, cid)
    assert conflict.state == "withdrawn" and "重复登记" in conflict.note
    assert f'id="conflict-{cid}"' not in body(client.get("/pool/conflicts"))
    withdrawn = body(client.get("/pool/conflicts?state=withdrawn"))
    assert f'id="conflict-{cid}"' in withdrawn and "成员已移除：重复登记" in withdrawn

    assert post(client, f"/households/recycle/persons/{pid}").status_code == 303
    county = db.session.execute(db.select(User).where(User.username == "county")).scalar_one()
    run_cross_check(county, region_id)
    assert db.session.get(Conflict, cid).state == "open"
