"""双公示 import in the national template: XLSX and CSV (UTF-8, BOM, GBK), unknown subjects created without a
phone, 个体工商户, every rejected row with its reason, idempotent by 文号 + department, whole-file refusals."""

import csv
import io
from datetime import date

import openpyxl
import pytest
import xlsxwriter

from app.extensions import db
from app.models import credit as C
from app.models.job import Job
from tests.conftest import body, login, post
from tests.credit.helpers import CHEN_ID
from tests.xlsx_checks import assert_printable
from workers.queues import drain

HEADER = ("行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "证件类型", "证件号码",
          "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
          "处罚决定日期", "公示截止期", "处罚机关", "数据来源单位", "备注")
NEW_ORG, NEW_SHOP, NEW_PERSON = "91330127MA2X1Y2A37", "92330127MA2Q4R5T65", "330127199001017588"


def _rows(serial="46000", scientific="9.1E+17"):
    return [
        ("青禾县新源物流有限公司", "法人及非法人组织", NEW_ORG, "吴刚", "", "", "青公罚双〔2026〕1号", "消防",
         "堵塞消防通道", "《消防法》第六十条", "罚款", "罚款 5000 元", "0.5", "2026/1/5", "", "县公安局",
         "县公安局", ""),
        ("张小明", "自然人", "", "", "身份证", NEW_PERSON, "青公罚双〔2026〕2号", "治安", "违规停放",
         "《治安管理处罚法》", "警告", "警告", "", "2026年2月3日", "", "县公安局", "县公安局", ""),
        ("桃源小吃店", "个体工商户", NEW_SHOP, "李梅", "", "", "青公罚双〔2026〕3号", "消防", "无证经营",
         "《消防法》", "吊销许可证", "吊销消防许可", "", serial, "", "县公安局", "县公安局", ""),
        ("某公司", "法人及非法人组织", scientific, "王五", "", "", "青公罚双〔2026〕4号", "消防", "x", "x", "罚款",
         "罚款", "0.1", "2026-03-01", "", "县公安局", "县公安局", ""),
        ("青禾县新源物流有限公司", "法人及非法人组织", NEW_ORG, "吴刚", "", "", "青公罚双〔2026〕1号", "消防",
         "重复行", "x", "罚款", "罚款", "0.1", "2026-03-01", "", "县公安局", "县公安局", ""),
        ("陈志明", "自然人", "", "", "身份证", CHEN_ID, "青公罚双〔2026〕6号", "治安", "x", "x", "罚款",
         "罚款 200 元", "0.02", "2026-03-01", "2030-01-01", "县公安局", "县公安局", ""),
        ("陈志明", "自然人", "", "", "身份证", CHEN_ID, "青税罚双〔2026〕7号", "税务", "x", "x", "罚款", "罚款",
         "0.02", "2026-03-01", "", "县税务局", "县税务局", ""),
        ("陈志明", "自然人", "", "", "身份证", CHEN_ID, "青公罚双〔2026〕8号", "治安", "乱扔垃圾",
         "《治安管理处罚法》", "罚款", "罚款 100 元", "0.01", "2026-04-01", "2026-10-01", "县公安局", "县公安局", ""),
    ]


def _csv(encoding: str) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(_rows())
    return io.BytesIO(text.getvalue().encode(encoding))


def _xlsx(rows, header=HEADER) -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ("青禾县公安局 2026 年行政处罚双公示报送表",))  # a title row above the header
    sheet.write_row(1, 0, header)
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, row)
    book.close()
    buffer.seek(0)
    return buffer


def _run(client, app, data: io.BytesIO, name: str, category="penalty") -> Job:
    response = post(client, "/credit/import", {"category": category, "file": (data, name)},
                    content_type="multipart/form-data")
    assert response.status_code == 303, body(response)[:300]
    drain(app)
    db.session.expire_all()
    return db.session.get(Job, response.headers["Location"].rsplit("/", 1)[-1])


def _reasons(job) -> dict:
    sheet = openpyxl.load_workbook(job.result_path).active
    assert_printable(sheet, title_rows="$1:$1")
    rows = list(sheet.iter_rows(values_only=True))
    return {r[0]: r[1] for r in rows[1:]}


def _subject(**where) -> C.CreditSubject | None:
    column, value = next(iter(where.items()))
    return db.session.execute(
        db.select(C.CreditSubject).where(getattr(C.CreditSubject, column) == value)
    ).scalar_one_or_none()


def _check_outcome(job, first: int):
    """`first` is the file's row number of the first data row (reasons name the file's own row numbers)."""
    assert job.state == "done", job.error
    assert "新增 4 条" in job.message and "退回 4 条" in job.message, job.message
    reasons = _reasons(job)
    assert sorted(reasons) == [first + 3, first + 4, first + 5, first + 6]
    assert "统一社会信用代码列须设置为文本格式" in reasons[first + 3]
    assert f"与第 {first} 行重复" in reasons[first + 4]
    assert "公示截止期" in reasons[first + 5] and "不得长于 1 年" in reasons[first + 5]
    assert "不是本部门" in reasons[first + 6]
    org, shop = _subject(uscc=NEW_ORG), _subject(uscc=NEW_SHOP)
    assert org.kind == "org" and org.name == "青禾县新源物流有限公司" and org.phone_enc is None
    assert org.legal_rep_name == "吴刚"
    assert shop.kind == "individual" and shop.kind_label == "个体工商户"
    records = {r.doc_number: r for r in db.session.execute(
        db.select(C.CreditRecord).where(C.CreditRecord.doc_number.like("青公罚双%"))).scalars()}
    first, warning = records["青公罚双〔2026〕1号"], records["青公罚双〔2026〕2号"]
    revoked = records["青公罚双〔2026〕3号"]
    assert first.decision_date == date(2026, 1, 5) and first.severity == "normal" and first.fine_amount == 0.5
    assert first.penalty_kind == "罚款" and first.department == "县公安局"
    assert warning.decision_date == date(2026, 2, 3) and warning.severity == "minor" and not warning.is_public
    assert revoked.decision_date == date(2025, 12, 9) and revoked.severity == "serious"  # Excel serial 46000
    assert records["青公罚双〔2026〕8号"].pub_end == date(2026, 10, 1)
    person = db.session.get(C.CreditSubject, warning.subject_id)
    assert person.kind == "person" and person.phone_enc is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_national_template_csv_in_every_office_encoding(demo, client, app, encoding):
    login(client, "dept")
    subjects = db.session.execute(db.select(db.func.count(C.CreditSubject.id))).scalar_one()
    _check_outcome(_run(client, app, _csv(encoding), "处罚.csv"), first=2)
    assert db.session.execute(db.select(db.func.count(C.CreditSubject.id))).scalar_one() == subjects + 3


def test_national_template_xlsx_and_reimport_is_idempotent(demo, client, app):
    login(client, "dept")
    rows = _rows(serial=46000, scientific=9.1e17)
    rows[0] = rows[0][:13] + (date(2026, 1, 5),) + rows[0][14:]  # a real date cell
    _check_outcome(_run(client, app, _xlsx(rows), "处罚.xlsx"), first=3)
    before = db.session.execute(db.select(db.func.count(C.CreditRecord.id))).scalar_one()
    again = _run(client, app, _xlsx(rows), "处罚.xlsx")
    assert "新增 0 条" in again.message and "已存在跳过 4 条" in again.message
    assert db.session.execute(db.select(db.func.count(C.CreditRecord.id))).scalar_one() == before


def test_licences_in_the_national_template(demo, client, app):
    login(client, "dept")
    header = ("行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "证件类型", "证件号码",
              "行政许可决定文书名称", "行政许可决定文书号", "许可类别", "许可证书名称", "许可编号", "许可内容",
              "许可决定日期", "有效期自", "有效期至", "许可机关", "当前状态", "数据来源单位")
    rows = [
        ("青禾县新源物流有限公司", "法人及非法人组织", NEW_ORG, "吴刚", "", "", "准予许可决定书", "青公许〔2026〕1号",
         "普通", "危险化学品运输许可证", "XK-001", "准予危化品运输", "2026-05-01", "2026-05-01", "2031-04-30",
         "县公安局", "有效", "县公安局"),
        ("青禾县新源物流有限公司", "法人及非法人组织", NEW_ORG, "吴刚", "", "", "准予许可决定书", "青公许〔2026〕2号",
         "临时", "x", "x", "x", "2026-05-01", "", "", "县公安局", "有效", "县公安局"),
    ]
    job = _run(client, app, _xlsx(rows, header), "许可.xlsx", "license")
    assert "新增 1 条" in job.message and "许可类别应为" in _reasons(job)[4]  # title row, header, two rows
    record = db.session.execute(
        db.select(C.CreditRecord).where(C.CreditRecord.doc_number == "青公许〔2026〕1号")).scalar_one()
    assert record.category == "license" and record.license_valid_to == date(2031, 4, 30)


def test_old_house_layout_and_missing_columns_are_refused_whole(demo, client, app):
    login(client, "dept")
    house = ("证件号码", "类别", "严重程度", "履约状态", "决定书文号", "来源部门", "决定日期", "公示截止日", "内容",
             "依据")
    old_row = (CHEN_ID, "行政处罚", "一般", "", "青旧〔2026〕1号", "", "2026-05-01", "", "x", "")
    old = _run(client, app, _xlsx([old_row], house), "旧.xlsx")
    assert old.state == "failed" and "旧的 10 列导入格式" in old.error and "全国双公示行政处罚标准模板" in old.error
    partial = _run(client, app, _xlsx([("x",) * 5], HEADER[:5]), "缺列.xlsx")
    assert partial.state == "failed" and "缺少列" in partial.error and "行政处罚决定书文号" in partial.error
    assert db.session.execute(
        db.select(db.func.count(C.CreditRecord.id)).where(C.CreditRecord.doc_number.like("青旧%"))
    ).scalar_one() == 0


def test_upload_type_is_checked(demo, client):
    login(client, "dept")
    response = post(client, "/credit/import", {"category": "penalty", "file": (io.BytesIO(b"x,y\n"), "a.xlsx")},
                    content_type="multipart/form-data")
    assert response.status_code == 422 and "不是 XLSX" in body(response)
    response = post(client, "/credit/import", {"category": "penalty", "file": (io.BytesIO(b"%PDF"), "a.pdf")},
                    content_type="multipart/form-data")
    assert response.status_code == 422 and "只支持 .xlsx 或 .csv" in body(response)


def test_subject_registration_needs_no_phone(demo, client):
    login(client, "credit")
    from tests.credit.helpers import user

    response = post(client, "/credit/subjects/new", {
        "kind": "org", "name": "青禾县无电话有限公司", "uscc": "91330127MA2K7L8N9L", "legal_rep_name": "赵六",
        "legal_rep_id": "330127198506017079", "region_id": str(user("credit").region_id)})
    assert response.status_code == 303, body(response)[:500]
    assert _subject(uscc="91330127MA2K7L8N9L").phone_enc is None


def test_mixed_encodings_are_refused_whole(demo, client, app):
    login(client, "dept")
    header = (",".join(HEADER) + "\n").encode("utf-8")
    rows = "\n".join(",".join(r) for r in _rows()[:1]).encode("gbk")
    job = _run(client, app, io.BytesIO(header + rows + b"\n"), "混合.csv")
    assert job.state == "failed" and ("缺少列" in job.error or "编码" in job.error), job.error
    assert _subject(uscc=NEW_ORG) is None
