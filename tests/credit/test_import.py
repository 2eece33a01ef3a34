"""XLSX import: row-level rejects with reasons, idempotent by document number, scoped to the department."""

import io

import openpyxl
import xlsxwriter

from app.extensions import db
from app.imports import cells
from app.models import credit as C
from app.models.job import Job
from tests.conftest import body, login, post
from tests.credit.helpers import CHEN_ID, FOOD_USCC
from workers.queues import drain
from tests.xlsx_checks import assert_printable

HEADER = (
    "证件号码",
    "类别",
    "严重程度",
    "履约状态",
    "决定书文号",
    "来源部门",
    "决定日期",
    "公示截止日",
    "内容",
    "依据",
)


def _workbook(rows) -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    book.close()
    buffer.seek(0)
    return buffer


ROWS = [
    (
        CHEN_ID,
        "行政处罚",
        "一般",
        "",
        "青公罚导〔2026〕1号",
        "",
        "2026-05-01",
        "",
        "无证驾驶电动车罚款 50 元",
        "《道路交通安全法》",
    ),
    (
        FOOD_USCC,
        "行政处罚",
        "严重",
        "",
        "青公罚导〔2026〕2号",
        "",
        "2026-05-02",
        "",
        "消防设施损坏未整改",
        "《消防法》",
    ),
    (
        "330127198503121234",
        "行政处罚",
        "一般",
        "",
        "青公罚导〔2026〕3号",
        "",
        "2026-05-03",
        "",
        "号码错误",
        "",
    ),
    (
        CHEN_ID,
        "行政处罚",
        "一般",
        "",
        "青公罚导〔2026〕4号",
        "",
        "2026-05-04",
        "2028-05-04",
        "公示期过长",
        "",
    ),
    (CHEN_ID, "表扬", "", "", "青公罚导〔2026〕5号", "", "2026-05-05", "", "类别错误", ""),
]


def _run(client, app, rows):
    response = post(
        client,
        "/credit/import",
        {"file": (_workbook(rows), "records.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, body(response)[:300]
    drain(app)
    db.session.expire_all()
    return db.session.get(Job, response.headers["Location"].rsplit("/", 1)[-1])


def test_import_creates_rejects_and_is_idempotent(demo, client, app):
    login(client, "dept")
    before = db.session.execute(db.select(db.func.count(C.CreditRecord.id))).scalar_one()
    job = _run(client, app, ROWS)
    assert job.state == "done", job.error
    assert "新增 2 条" in job.message and "退回 3 条" in job.message
    sheet = openpyxl.load_workbook(job.result_path).active
    assert_printable(sheet, title_rows="$1:$1")
    rows = list(sheet.iter_rows(values_only=True))
    reasons = {r[0]: r[1] for r in rows[1:]}
    assert "校验位不正确" in reasons[4] and "不得长于 1 年" in reasons[5] and "类别应为" in reasons[6]
    created = (
        db.session.execute(db.select(C.CreditRecord).where(C.CreditRecord.doc_number.like("青公罚导%")))
        .scalars()
        .all()
    )
    assert {r.department for r in created} == {"县公安局"}
    again = _run(client, app, ROWS)
    assert "新增 0 条" in again.message and "已存在跳过 2 条" in again.message
    assert db.session.execute(db.select(db.func.count(C.CreditRecord.id))).scalar_one() == before + 2


def test_import_refuses_a_file_that_is_not_xlsx(demo, client):
    login(client, "dept")
    response = post(
        client,
        "/credit/import",
        {"file": (io.BytesIO(b"name,doc\n"), "records.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "不是 XLSX" in body(response)


def _csv_run(client, app, text: str, encoding: str):
    response = post(client, "/credit/import", {"file": (io.BytesIO(text.encode(encoding)), "records.csv")},
                    content_type="multipart/form-data")
    assert response.status_code == 303, body(response)[:300]
    drain(app)
    db.session.expire_all()
    return db.session.get(Job, response.headers["Location"].rsplit("/", 1)[-1])


def test_gbk_csv_with_a_title_row_and_office_date_forms(demo, client, app):
    text = ("县公安局 2026 年行政处罚信息\r\n"
            + ",".join(HEADER) + "\r\n"
            + f"{CHEN_ID},行政处罚,一般,,青公罚导〔2026〕11号,,2026年5月1日,,无证驾驶,《道路交通安全法》\r\n"
            + f"{FOOD_USCC},行政处罚,一般,,青公罚导〔2026〕12号,,2026/5/2,,占道经营,\r\n"
            + f"{CHEN_ID},行政处罚,一般,,青公罚导〔2026〕13号,,2026-05-03,,=HYPERLINK(\"http://x\"),\r\n")
    login(client, "dept")
    job = _csv_run(client, app, text, "gbk")
    assert job.state == "done", job.error
    assert "新增 2 条" in job.message and "退回 1 条" in job.message
    dates = dict(db.session.execute(db.select(C.CreditRecord.doc_number, C.CreditRecord.decision_date).where(
        C.CreditRecord.doc_number.in_(["青公罚导〔2026〕11号", "青公罚导〔2026〕12号"]))).all())
    assert sorted(d.isoformat() for d in dates.values()) == ["2026-05-01", "2026-05-02"]
    rows = list(openpyxl.load_workbook(job.result_path).active.iter_rows(values_only=True))
    assert rows[1][:2] == (5, "内容：不能以 = + - @ 开头（会被 Excel 当作公式）")


def test_numeric_ids_serial_dates_and_formulas_in_xlsx(demo, client, app):
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(list(HEADER))
    book.active.append([int(CHEN_ID[:17] + "0"), "行政处罚", "一般", None, "青公罚导〔2026〕21号", None,
                        "2026-05-01", None, "罚款", None])
    book.active.append([CHEN_ID, "行政处罚", "一般", None, "=\"青公罚导\"&\"22号\"", None, "2026-05-01", None,
                        "罚款", None])
    book.active.append([CHEN_ID, "行政处罚", "一般", None, "青公罚导〔2026〕23号", None, 46143, None, "罚款", None])
    book.save(buffer)
    login(client, "dept")
    response = post(client, "/credit/import", {"file": (io.BytesIO(buffer.getvalue()), "records.xlsx")},
                    content_type="multipart/form-data")
    drain(app)
    db.session.expire_all()
    job = db.session.get(Job, response.headers["Location"].rsplit("/", 1)[-1])
    assert "新增 1 条" in job.message and "退回 2 条" in job.message, job.message
    rows = list(openpyxl.load_workbook(job.result_path).active.iter_rows(values_only=True))
    assert rows[1][1] == "证件号码" + cells.FORMAT_AS_TEXT
    assert rows[2][1] == "决定书文号：单元格含公式且无计算结果"
    record = db.session.execute(db.select(C.CreditRecord).where(
        C.CreditRecord.doc_number == "青公罚导〔2026〕23号")).scalar_one()
    assert record.decision_date.isoformat() == "2026-05-01"


def test_a_file_failure_is_the_users_to_fix(demo, client, app):
    login(client, "dept")
    job = _csv_run(client, app, "证件号码,名称\r\n1,2\r\n", "utf-8")
    assert job.state == "failed" and "缺少列：类别" in job.error
    page = body(client.get(f"/jobs/{job.id}"))
    assert "缺少列：类别" in page and "联系运维" not in page
