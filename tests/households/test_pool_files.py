"""Department files as they really come, through the pool import: encodings, title rows, formulas, numeric IDs."""
import io

import openpyxl
import xlsxwriter

from app.extensions import db
from app.models.job import Job
from app.models.source import ImportBatch, SourceRecord
from tests.conftest import body, login, post
from tests.households.helpers import fresh_id
from workers.queues import drain

HEADERS = ["公民身份号码", "姓名", "死亡日期"]


def _upload(client, content: bytes, name: str, source="siwang"):
    return post(client, "/pool/", {"source": source, "file": (io.BytesIO(content), name)},
                content_type="multipart/form-data")


def _last_batch() -> ImportBatch:
    return db.session.execute(db.select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()


def _record(batch) -> list[tuple[str, dict]]:
    return [(r.name, r.payload) for r in db.session.execute(
        db.select(SourceRecord).where(SourceRecord.batch_id == batch.id).order_by(SourceRecord.id)).scalars()]


def test_gbk_csv_from_excel_is_imported_without_resaving(demo, client, app):
    text = "公民身份号码,姓名,死亡日期\r\n" f"{fresh_id(41)},阿依古丽·买买提,2026年1月5日\r\n"
    login(client, "dept")
    _upload(client, text.encode("gbk"), "死亡名单.csv")
    drain(app)
    batch = _last_batch()
    assert (batch.state, batch.inserted, batch.rejected) == ("done", 1, 0), batch.error
    assert _record(batch) == [("阿依古丽·买买提", {"death_date": "2026-01-05"})]


def test_xlsx_with_title_rows_merged_cells_serial_dates_and_cached_formulas(demo, client, app):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 0, 2, "青禾县 2026 年死亡人员名单")
    sheet.merge_range(1, 0, 1, 2, "填报单位：县卫健局　填报日期：2026-06-01")
    sheet.write_row(2, 0, HEADERS)
    sheet.write_string(3, 0, fresh_id(42))
    sheet.write_formula(3, 1, '=CONCATENATE("陈","志明")', None, "陈志明")
    sheet.write_number(3, 2, 45296)  # an unformatted date serial: 2024-01-05
    book.close()
    login(client, "dept")
    _upload(client, buffer.getvalue(), "siwang.xlsx")
    drain(app)
    batch = _last_batch()
    assert (batch.state, batch.inserted, batch.rejected) == ("done", 1, 0), (batch.error, batch.rejects)
    assert _record(batch) == [("陈志明", {"death_date": "2024-01-05"})]


def test_formula_without_cached_value_and_numeric_ids_are_rejected_with_reasons(demo, client, app):
    number = fresh_id(43)
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active.append([fresh_id(44), '=CONCATENATE("陈","志明")', "2026-01-02"])
    book.active.append([int(number[:17] + "0"), "孙八", "2026-01-02"])
    book.active.append([number, "周九", "2026/1/2"])
    buffer = io.BytesIO()
    book.save(buffer)
    login(client, "dept")
    _upload(client, buffer.getvalue(), "siwang.xlsx")
    drain(app)
    batch = _last_batch()
    assert (batch.state, batch.inserted, batch.rejected) == ("done", 1, 2)
    assert batch.rejects == [[2, "姓名：单元格含公式且无计算结果"],
                             [3, "公民身份号码列须设置为文本格式（Excel 已把号码转成数字，末几位可能已丢失），"
                                 "请把该列设为文本后重新填写"]]
    assert _record(batch) == [("周九", {"death_date": "2026-01-02"})]


def test_zip_bomb_upload_fails_with_a_message_for_the_user(demo, client, app):
    import zipfile

    plain = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.save(plain)
    bomb = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in source.infolist():
            out.writestr(entry.filename, source.read(entry))
        out.writestr("xl/media/padding.bin", b"\0" * (20 << 20))
    login(client, "dept")
    response = _upload(client, bomb.getvalue(), "siwang.xlsx")
    drain(app)
    batch = _last_batch()
    assert batch.state == "failed" and "压缩比异常" in batch.error
    job = db.session.get(Job, batch.job_id)
    page = body(client.get(response.headers["Location"]))
    assert job.error in page and "压缩比异常" in page
    assert "联系运维" not in page
