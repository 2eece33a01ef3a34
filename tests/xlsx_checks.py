"""Checks on real XLSX files read back with openpyxl: office page setup and complete header rows."""
import io

import openpyxl


def open_book(data_or_path):
    """Open bytes (a download) or a path."""
    source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
    return openpyxl.load_workbook(source)


def assert_printable(sheet, *, title_rows: str, title_cols: str | None = "$A:$A") -> None:
    """Landscape A4, one page wide, repeated rows/columns, 第 &P 页 共 &N 页 footer and a print area."""
    setup = sheet.page_setup
    assert setup.orientation == "landscape", sheet.title
    assert str(setup.paperSize) == "9", sheet.title  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    # An absent fitToWidth means 1 (the schema default); fitToHeight 0 means as many pages tall as needed.
    assert int(setup.fitToWidth or 1) == 1 and int(setup.fitToHeight) == 0, sheet.title
    assert sheet.print_title_rows == title_rows, (sheet.title, sheet.print_title_rows)
    assert sheet.print_title_cols == title_cols, (sheet.title, sheet.print_title_cols)
    assert "第 &P 页 共 &N 页" in (sheet.oddFooter.center.text or ""), sheet.title
    assert sheet.print_area, sheet.title
    last_col = openpyxl.utils.get_column_letter(sheet.max_column)
    area = sheet.print_area if isinstance(sheet.print_area, str) else sheet.print_area[0]
    assert area.endswith(f"!$A$1:${last_col}${sheet.max_row}"), (area, sheet.dimensions)


def header_cells(sheet, rows: range, width: int) -> list[list]:
    """The header values as printed: a cell inside a merged range shows the range's first value."""
    shown = {}
    for merged in sheet.merged_cells.ranges:
        value = sheet.cell(merged.min_row, merged.min_col).value
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                shown[row, col] = value
    return [[shown.get((row, col), sheet.cell(row, col).value) for col in range(1, width + 1)] for row in rows]
