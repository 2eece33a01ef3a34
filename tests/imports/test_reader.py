"""The shared office-file reader: encodings, header search, formulas, and the checks made before parsing."""
import io
import random
import re
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
import xlsxwriter

from app.imports import cells
from app.imports.cells import CellError
from app.imports.reader import FileRejected, read_table
from fixtures.idnumbers import make_id_number

COLUMNS = ("姓名", "证件号码", "日期", "备注")
REQUIRED = ("姓名", "证件号码")


def _read(path, name=None, **kwargs):
    options = {"columns": COLUMNS, "required": REQUIRED, "max_rows": 1000} | kwargs
    table = read_table(path, name or path.name, **options)
    return table, list(table.rows)


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _xlsx(tmp_path, fill, name="book.xlsx"):
    path = tmp_path / name
    book = xlsxwriter.Workbook(str(path))
    fill(book, book.add_worksheet())
    book.close()
    return path


def _names(*names):
    def fill(book, sheet):
        sheet.write_row(0, 0, COLUMNS)
        for index, name in enumerate(names, start=1):
            sheet.write_row(index, 0, [name, "x"])
    return fill


CSV_TEXT = "姓名,证件号码,日期,备注\n陈志明,110101199003071234,2024/1/5,第一行\n阿依古丽·买买提,,2024年1月5日,\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_every_office_encoding_is_decoded(tmp_path, encoding):
    table, rows = _read(_write(tmp_path, "a.csv", CSV_TEXT.encode(encoding)))
    assert table.kind == "csv" and table.header_row == 1
    assert [n for n, _ in rows] == [2, 3]
    assert rows[0][1]["姓名"] == "陈志明" and rows[1][1]["姓名"] == "阿依古丽·买买提"
    assert rows[1][1]["证件号码"] is None


def test_csv_that_is_not_text_is_refused_in_chinese(tmp_path):
    with pytest.raises(FileRejected, match="编码"):
        _read(_write(tmp_path, "a.csv", b"\x81\x00\xff\xfe\x00garbage" * 10))


def test_xlsx_header_below_title_rows_and_merged_cells(tmp_path):
    def fill(book, sheet):
        sheet.merge_range(0, 0, 0, 3, "青禾县 2026 年人员名单（县公安局）")
        sheet.merge_range(1, 0, 1, 1, "填报单位：县公安局")
        sheet.write_row(3, 0, [" 姓 名 ", "*证件号码", "日期", "备注"])
        sheet.write_row(4, 0, ["陈志明", "110101199003071234", "2024-01-05", "甲"])
        sheet.write_row(6, 0, ["王海涛", "", "", ""])

    table, rows = _read(_xlsx(tmp_path, fill))
    assert table.header_row == 4 and table.found_columns == list(COLUMNS)
    assert [(n, r["姓名"]) for n, r in rows] == [(5, "陈志明"), (7, "王海涛")]


def test_missing_header_names_the_missing_columns(tmp_path):
    path = _write(tmp_path, "a.csv", "姓名,号码\n张三,1\n".encode())
    with pytest.raises(FileRejected, match="缺少列：证件号码"):
        _read(path)


def test_empty_and_header_only_files_are_refused(tmp_path):
    with pytest.raises(FileRejected, match="为空"):
        _read(_write(tmp_path, "a.csv", b"\n\n"))
    with pytest.raises(FileRejected, match="只有表头"):
        _read(_write(tmp_path, "b.csv", "姓名,证件号码\n".encode()))


def test_formula_cells_use_the_cached_value_or_reject_the_row(tmp_path):
    cached = tmp_path / "cached.xlsx"
    book = xlsxwriter.Workbook(str(cached))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, COLUMNS)
    sheet.write_formula(1, 0, '=CONCATENATE("陈","志明")', None, "陈志明")
    sheet.write_string(1, 1, "110101199003071234")
    book.close()
    _, rows = _read(cached)
    assert rows[0][1]["姓名"] == "陈志明" and rows[0][1].problem is None

    uncalculated = tmp_path / "uncalculated.xlsx"
    book = openpyxl.Workbook()
    book.active.append(list(COLUMNS))
    book.active.append(['=CONCATENATE("陈","志明")', "110101199003071234"])
    book.active.append(["王海涛", "110101199003071234"])
    book.save(uncalculated)
    _, rows = _read(uncalculated)
    first = rows[0][1]
    assert first.problem == "姓名：单元格含公式且无计算结果"
    assert "CONCATENATE" not in repr(first)
    with pytest.raises(CellError, match="单元格含公式且无计算结果"):
        cells.as_person_name(first["姓名"])
    assert rows[1][1].problem is None and rows[1][1]["姓名"] == "王海涛"


def test_zip_bomb_is_refused_before_parsing(tmp_path):
    """The sheet is 30 MB of zeros, not even XML: the refusal comes from the size check, not the parser."""
    path = tmp_path / "bomb.xlsx"
    source = _xlsx(tmp_path, lambda book, sheet: sheet.write_row(0, 0, COLUMNS), name="plain.xlsx")
    with zipfile.ZipFile(source) as plain, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for entry in plain.infolist():
            data = plain.read(entry) if entry.filename != "xl/worksheets/sheet1.xml" else b"\0" * (30 << 20)
            bomb.writestr(entry.filename, data)
    assert path.stat().st_size < 200_000
    with pytest.raises(FileRejected, match="压缩比异常"):
        _read(path)
    with pytest.raises(FileRejected, match="解压后约 .* MB，超过 10 MB 上限"):
        _read(path, max_unpacked_bytes=10 << 20)


def test_too_many_rows_is_refused_from_the_declared_dimension(tmp_path):
    source = _xlsx(tmp_path, _names("张三", "李四", "王五"), name="small.xlsx")
    path = tmp_path / "claims-millions.xlsx"
    with zipfile.ZipFile(source) as plain, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in plain.infolist():
            data = plain.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data, replaced = re.subn(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:D2000000"/>', data)
                assert replaced == 1
            out.writestr(entry.filename, data)
    with pytest.raises(FileRejected, match="最多 1000 行数据（该工作表有 2000000 行）"):
        _read(path)


def test_a_dimension_that_understates_the_sheet_loses_no_rows(tmp_path):
    source = _xlsx(tmp_path, _names("张三", "李四", "王五", "赵六", "钱七"))
    path = tmp_path / "understated.xlsx"
    with zipfile.ZipFile(source) as plain, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in plain.infolist():
            data = plain.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1:B2"/>', data)
            out.writestr(entry.filename, data)
    _, rows = _read(path)
    assert len(rows) == 5


def test_too_many_rows_in_csv_and_while_reading(tmp_path):
    many = "姓名,证件号码\n" + "张三,1\n" * 50
    with pytest.raises(FileRejected, match="最多 10 行数据（该文件约"):
        _read(_write(tmp_path, "a.csv", many.encode()), max_rows=10)
    table = read_table(_write(tmp_path, "b.csv", many.encode()), "b.csv", columns=COLUMNS, required=REQUIRED,
                       max_rows=40)
    with pytest.raises(FileRejected, match="最多 40 行"):
        list(table.rows)


def test_xls_and_other_files_are_refused_by_content(tmp_path):
    with pytest.raises(FileRejected, match=".xls"):
        _read(_write(tmp_path, "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100))
    with pytest.raises(FileRejected, match="只支持"):
        _read(_write(tmp_path, "a.png", b"\x89PNG\r\n\x1a\n"))
    with pytest.raises(FileRejected, match="损坏"):
        _read(_write(tmp_path, "a.xlsx", b"PK\x03\x04 truncated"))


# --- converters ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [date(2024, 1, 5), datetime(2024, 1, 5, 9, 30), 45296, 45296.0, "45296",
                                   "2024-01-05", "2024/1/5", "2024.1.5", "2024年1月5日", "2024 年 1 月 5 日",
                                   "20240105", "2024-01-05 00:00:00"])
def test_every_date_form(value):
    assert cells.as_date(value) == date(2024, 1, 5)


@pytest.mark.parametrize("value", ["2024-13-01", "明天", "2024/2/30", 12, True])
def test_bad_dates_are_explained(value):
    with pytest.raises(CellError, match="不是有效日期"):
        cells.as_date(value)


def test_id_numbers_excel_turned_into_numbers_ask_for_a_text_column():
    good = make_id_number(random.Random(5))
    assert cells.as_id_number(good) == good
    for value in (int(good[:17] + "0"), 3.30127e17, "3.30127E+17", "3.30127198503121E+17", f"{good[:17]}0.0"):
        with pytest.raises(CellError, match="证件号码列须设置为文本格式"):
            cells.as_id_number(value)
    rounded = good[:15] + "000"
    if rounded != good:
        with pytest.raises(CellError, match="校验位.*列须设置为文本格式"):
            cells.as_id_number(rounded)
    with pytest.raises(CellError, match="校验位不正确") as caught:
        cells.as_id_number(good[:-1] + ("1" if good[-1] != "1" else "2"))
    assert "文本格式" not in str(caught.value)


def test_credit_codes():
    from stdnum.cn import uscc

    code = "91330127MA2H3J4K5" + uscc.calc_check_digit("91330127MA2H3J4K5")
    assert cells.as_credit_code(code.lower()) == code
    with pytest.raises(CellError, match="统一社会信用代码列须设置为文本格式"):
        cells.as_credit_code(9.11e17)
    with pytest.raises(CellError, match="校验位不正确"):
        cells.as_credit_code(code[:-1] + ("0" if code[-1] != "0" else "1"))


@pytest.mark.parametrize("value, reason", [("=HYPERLINK(\"http://x\",\"点我\")", "公式"), ("+1+2", "公式"),
                                           ("-2+3", "公式"), ("@SUM(A1)", "公式"), ("abc\x07", "控制字符"),
                                           ("\x1b[31m", "控制字符")])
def test_text_refuses_formula_leading_and_control_characters(value, reason):
    with pytest.raises(CellError, match=reason):
        cells.as_text(value)


def test_text_keeps_plain_values():
    assert cells.as_text("  户籍地址 ") == "户籍地址"
    assert cells.as_text("-3.5") == "-3.5" and cells.as_text(12.0) == "12" and cells.as_text("") is None
    assert cells.as_text("第一行\n第二行") == "第一行\n第二行"


@pytest.mark.parametrize("value, expected", [("陈志明", "陈志明"), ("阿依古丽·买买提", "阿依古丽·买买提"),
                                             ("阿依古丽•买买提", "阿依古丽·买买提"),
                                             ("阿依古丽.买买提", "阿依古丽·买买提"), (" 王 五 ", "王五")])
def test_person_names(value, expected):
    assert cells.as_person_name(value) == expected


@pytest.mark.parametrize("value", ["=CONCATENATE(\"陈\",\"志明\")", "John", "张", "张三3", "·张三", "张三·"])
def test_bad_person_names(value):
    with pytest.raises(CellError):
        cells.as_person_name(value)


def test_decimals():
    from decimal import Decimal

    assert cells.as_decimal("1,234.50") == Decimal("1234.50")
    assert cells.as_decimal(0.1, places=2) == Decimal("0.10")
    assert cells.as_decimal(3) == Decimal(3) and cells.as_decimal(None) is None
    with pytest.raises(CellError, match="应为数字"):
        cells.as_decimal("十万")
    with pytest.raises(CellError, match="不能小于 0"):
        cells.as_decimal("-1", minimum=0)
    with pytest.raises(CellError):
        cells.as_decimal("NaN")


def test_gbk_csv_through_the_workbook_path_is_not_confused_with_xlsx(tmp_path):
    data = io.BytesIO(CSV_TEXT.encode("gbk")).getvalue()
    table, rows = _read(_write(tmp_path, "名单.CSV", data))
    assert table.kind == "csv" and len(rows) == 2


def test_a_sheet_damaged_after_its_first_rows_is_refused_as_the_users_file(tmp_path):
    source = _xlsx(tmp_path, _names("张三", "李四"), name="fine.xlsx")
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(source) as plain, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in plain.infolist():
            data = plain.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row r=\"9\"><c r=\"A9\"><v>1</v></row></sheetData>")
            out.writestr(entry.filename, data)
    table = read_table(path, "damaged.xlsx", columns=COLUMNS, required=REQUIRED, max_rows=100)
    with pytest.raises(FileRejected, match="已损坏"):
        list(table.rows)
