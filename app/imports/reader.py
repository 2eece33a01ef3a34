"""One reader for the office files departments send: XLSX and CSV (UTF-8, BOM, GBK/GB18030), header found by name.

Whole-file problems raise `FileRejected` with a Chinese message. XLSX files are checked (zip entry sizes,
compression ratio, the sheet's declared dimension) before anything is parsed, so a small file cannot expand a
worker to gigabytes.
"""
import codecs
import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HEADER_SCAN_ROWS = 20  # title rows and merged banners above the header row
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_RATIO = 100  # real sheets compress 5–20×; a run of zeros compresses 1000×
RATIO_CHECK_FROM = 1024 * 1024
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


class FileRejected(Exception):
    """The whole file is unusable; the message is Chinese and shown to the user as it is."""

    def __init__(self, message: str, *, missing: Sequence[str] = ()):
        super().__init__(message)
        self.missing = list(missing)  # required columns the header lacks, for a template hint


class Unreadable:
    """A cell whose value cannot be used (a formula without a cached result, an error value)."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unreadable({self.reason!r})"


UNCALCULATED = Unreadable("单元格含公式且无计算结果")


class Row(dict):
    """One data row as {column: value}; `problem` names an unusable cell, which rejects the row."""

    problem: str | None = None


@dataclass
class Table:
    """A file's header position and its data rows (a single-pass iterator of (row_number, Row))."""

    kind: str
    header_row: int
    found_columns: list[str]
    estimated_rows: int
    rows: Iterator[tuple[int, Row]] = field(repr=False)

    def close(self) -> None:
        """Release the file when the rows are not read to the end."""
        close = getattr(self.rows, "close", None)
        if close:
            close()


def sniff_kind(head: bytes, filename: str) -> str:
    """'xlsx' or 'csv' from the content (not just the name); FileRejected otherwise."""
    name = (filename or "").lower()
    if head.startswith(b"PK\x03\x04"):
        if not name.endswith(".xlsx"):
            raise FileRejected("只支持 .xlsx 或 .csv 文件")
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后导入")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xlsx"):
        raise FileRejected("文件不是 XLSX 工作簿（按文件内容检查），请在 Excel 中另存为 .xlsx 后导入")
    raise FileRejected("只支持 .xlsx 或 .csv 文件（请勿上传 .xls、图片或压缩包）")


def read_table(path, filename: str, *, columns: Sequence[str], required: Sequence[str], max_rows: int,
               max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> Table:
    """Open a file, find its header row by the column names, and return its data rows."""
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head.strip():
        raise FileRejected("文件为空")
    kind = sniff_kind(head, filename)
    if kind == "csv":
        raw, estimate = _csv_rows(path, max_rows)
    else:
        raw, estimate = _xlsx_rows(path, max_rows, max_unpacked_bytes)
    try:
        header_row, positions = _find_header(raw, columns, required)
    except BaseException:
        raw.close()
        raise
    found = [c for c in columns if c in positions]
    return Table(kind=kind, header_row=header_row, found_columns=found,
                 estimated_rows=max(0, estimate - header_row),
                 rows=_data_rows(raw, positions, columns, max_rows))


def normalize_header(value) -> str:
    """A header cell as compared with column names: no spaces or line breaks, no required-mark, （）for ()."""
    if value is None or isinstance(value, Unreadable):
        return ""
    text = re.sub(r"\s+", "", str(value)).lstrip("*＊")
    return text.replace("(", "（").replace(")", "）")


def _find_header(raw, columns, required) -> tuple[int, dict[str, int]]:
    wanted = {normalize_header(c): c for c in columns}
    best: tuple[int, list[str]] | None = None
    seen_any = False
    for number, cells in raw:
        if not any(_filled(c) for c in cells):
            if number >= HEADER_SCAN_ROWS:
                break
            continue
        seen_any = True
        positions: dict[str, int] = {}
        for index, cell in enumerate(cells):
            column = wanted.get(normalize_header(cell))
            if column is not None and column not in positions:
                positions[column] = index
        missing = [c for c in required if c not in positions]
        if not missing:
            return number, positions
        if positions and (best is None or len(missing) < len(best[1])):
            best = (number, missing)
        if number >= HEADER_SCAN_ROWS:
            break
    if not seen_any:
        raise FileRejected("文件为空，没有表头和数据")
    if best is None:
        raise FileRejected(f"表头缺少列：{'、'.join(required)}（前 {HEADER_SCAN_ROWS} 行中没有含这些列名的行）",
                           missing=required)
    raise FileRejected(f"表头（第 {best[0]} 行）缺少列：{'、'.join(best[1])}", missing=best[1])


def _data_rows(raw, positions: dict[str, int], columns, max_rows: int):
    count = 0
    try:
        for number, cells in raw:
            row = Row()
            for column in columns:
                index = positions.get(column)
                row[column] = cells[index] if index is not None and index < len(cells) else None
            if not any(_filled(v) for v in row.values()):
                continue
            count += 1
            if count > max_rows:
                raise FileRejected(f"单个文件最多 {max_rows} 行数据，请拆分后导入")
            for column, value in row.items():
                if isinstance(value, Unreadable):
                    row.problem = f"{column}：{value.reason}"
                    break
            yield number, row
    finally:
        raw.close()
    if count == 0:
        raise FileRejected("文件只有表头，没有数据行")


def _filled(value) -> bool:
    return value is not None and value != ""


# --- CSV -----------------------------------------------------------------------------------------------------

def decode_text(data: bytes) -> str:
    """Text of a CSV in UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030; FileRejected otherwise."""
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise FileRejected("无法识别 CSV 文件的文字编码（支持 UTF-8、GBK/GB18030），或文件不是文本")


def _csv_rows(path: Path, max_rows: int):
    text = decode_text(path.read_bytes())
    lines = text.count("\n") + 1
    if lines > max_rows + HEADER_SCAN_ROWS + 1:
        raise FileRejected(f"单个文件最多 {max_rows} 行数据（该文件约 {lines} 行），请拆分后导入")
    first = text[:4096].split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","

    def rows():
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, cells in enumerate(reader, start=1):
            yield number, [c.strip() or None for c in cells]

    return _Closing(rows()), lines


# --- XLSX ----------------------------------------------------------------------------------------------------

def check_xlsx_archive(path: Path, max_unpacked_bytes: int = MAX_UNPACKED_BYTES) -> None:
    """Refuse a workbook whose zip entries would expand too far, before any of it is decompressed."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileRejected("无法读取该 XLSX 文件，文件可能已损坏") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise FileRejected("XLSX 文件结构异常（压缩包内文件过多），拒绝处理")
        if "xl/workbook.xml" not in {e.filename for e in entries}:
            raise FileRejected("该文件不是 Excel 工作簿（.xlsx），请在 Excel 中另存为 .xlsx 后导入")
        total = sum(e.file_size for e in entries)
        if total > max_unpacked_bytes:
            raise FileRejected(f"XLSX 文件解压后约 {total // 1024 // 1024} MB，超过 "
                               f"{max_unpacked_bytes // 1024 // 1024} MB 上限，请拆分后导入")
        for entry in entries:
            if entry.file_size > RATIO_CHECK_FROM and entry.file_size > MAX_RATIO * max(1, entry.compress_size):
                raise FileRejected("XLSX 文件压缩比异常（可能是压缩炸弹），拒绝处理")


def _has_formulas(archive_path: Path, member: str) -> bool:
    """Whether a sheet's XML has any <f> element, scanned in chunks without parsing."""
    with zipfile.ZipFile(archive_path) as archive, archive.open(member) as source:
        tail = b""
        while chunk := source.read(1 << 20):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _open_book(path: Path, *, data_only: bool):
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return load_workbook(path, read_only=True, data_only=data_only)
    except Exception:  # openpyxl raises many kinds for a broken part
        raise FileRejected("无法读取该 XLSX 文件，文件可能已损坏") from None


def _xlsx_rows(path: Path, max_rows: int, max_unpacked_bytes: int):
    check_xlsx_archive(path, max_unpacked_bytes)
    values_book = _open_book(path, data_only=True)
    formula_book = None
    try:
        if not values_book.worksheets:
            raise FileRejected("工作簿中没有工作表")
        sheet = values_book.worksheets[0]
        declared = sheet.max_row or 0
        if declared > max_rows + HEADER_SCAN_ROWS:
            raise FileRejected(f"单个文件最多 {max_rows} 行数据（该工作表有 {declared} 行），请拆分后导入")
        # A dimension that understates the sheet would make openpyxl stop early and drop rows silently.
        sheet.reset_dimensions()
        if _has_formulas(path, sheet._worksheet_path):
            formula_book = _open_book(path, data_only=False)
            formula_sheet = formula_book.worksheets[0]
            formula_sheet.reset_dimensions()
    except BaseException:
        values_book.close()
        if formula_book is not None:
            formula_book.close()
        raise

    def rows():
        try:
            values = sheet.iter_rows()
            formulas = formula_sheet.iter_rows() if formula_book is not None else None
            number = 0
            while True:
                try:
                    cells = next(values, None)
                    shapes = next(formulas, ()) if formulas is not None else ()
                except Exception:  # the parser's own errors mean a damaged sheet, which the user must fix
                    raise FileRejected(f"XLSX 文件已损坏：第 {number + 1} 行附近无法读取") from None
                if cells is None:
                    return
                number += 1
                yield number, [_xlsx_value(cell, shapes[i] if i < len(shapes) else None)
                               for i, cell in enumerate(cells)]
        finally:
            values_book.close()
            if formula_book is not None:
                formula_book.close()

    return _Closing(rows()), declared


def _xlsx_value(cell, formula_cell):
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "e":
        return Unreadable(f"单元格为错误值 {value}")
    if formula_cell is not None and getattr(formula_cell, "data_type", None) == "f" and value is None:
        return UNCALCULATED
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class _Closing:
    """An iterator of raw rows that can be closed before its end (the header search stops early)."""

    def __init__(self, generator):
        self._generator = generator

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._generator)

    def close(self) -> None:
        self._generator.close()
