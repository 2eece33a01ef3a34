"""Workbooks that look like what offices hand in: title, merged headers, frozen panes, totals, footer, print setup."""
import xlsxwriter

from app.clock import to_local, utcnow
from app.spreadsheets import SAFE_CELLS, print_setup


class OfficeWorkbook:
    """One sheet written top to bottom.

    Not in constant_memory mode: a header cell merged over two rows must be registered while its first row is
    still open, and a report has one row per child region or category (hundreds at most), so memory stays small.
    """

    def __init__(self, path: str, sheet_name: str):
        self.book = xlsxwriter.Workbook(path, SAFE_CELLS)
        self.sheet = self.book.add_worksheet(sheet_name[:31])
        self.row = 0
        self.width = 1
        self.first_data_row = None
        base = {"font_name": "SimSun", "font_size": 10, "border": 1, "valign": "vcenter"}
        self.fmt = {
            "title": self.book.add_format({"font_name": "SimHei", "font_size": 16, "bold": True, "align": "center"}),
            "sub": self.book.add_format({"font_name": "SimSun", "font_size": 10}),
            "head": self.book.add_format({**base, "bold": True, "align": "center", "bg_color": "#DDEBF7",
                                          "text_wrap": True}),
            "text": self.book.add_format(base),
            "int": self.book.add_format({**base, "num_format": "#,##0"}),
            "pct": self.book.add_format({**base, "num_format": "0.0%"}),
            "total_text": self.book.add_format({**base, "bold": True, "bg_color": "#F2F2F2"}),
            "total_int": self.book.add_format({**base, "bold": True, "bg_color": "#F2F2F2", "num_format": "#,##0"}),
            "total_pct": self.book.add_format({**base, "bold": True, "bg_color": "#F2F2F2", "num_format": "0.0%"}),
        }

    def title(self, text: str, subtitle: str, width: int) -> None:
        """Merged title row and a line naming the region and period."""
        self.width = width
        self.sheet.set_row(0, 28)
        self.sheet.merge_range(0, 0, 0, width - 1, text, self.fmt["title"])
        self.sheet.merge_range(1, 0, 1, width - 1, subtitle, self.fmt["sub"])
        self.row = 2

    def headers(self, groups: list[tuple[str, list[str]]]) -> None:
        """Two header rows: group names merged over their columns; a one-column group named like its column spans
        both rows. Cells are written row by row, left to right."""
        top, col = self.row, 0
        for group, columns in groups:
            if _spans_both_rows(group, columns):
                self.sheet.merge_range(top, col, top + 1, col, group, self.fmt["head"])
            elif len(columns) > 1:
                self.sheet.merge_range(top, col, top, col + len(columns) - 1, group, self.fmt["head"])
            else:
                self.sheet.write(top, col, group, self.fmt["head"])
            col += len(columns)
        col = 0
        for group, columns in groups:
            if not _spans_both_rows(group, columns):
                for offset, name in enumerate(columns):
                    self.sheet.write(top + 1, col + offset, name, self.fmt["head"])
            col += len(columns)
        self.row = top + 2
        self.first_data_row = self.row
        self.sheet.freeze_panes(self.row, 1)

    def columns(self, widths: list[int]) -> None:
        """Column widths in characters."""
        for index, width in enumerate(widths):
            self.sheet.set_column(index, index, width)

    def data_row(self, values: list, kinds: list[str]) -> None:
        """One row; kinds name the format of each cell (text, int, pct)."""
        for col, (value, kind) in enumerate(zip(values, kinds)):
            self.sheet.write(self.row, col, value, self.fmt[kind])
        self.row += 1

    def totals_row(self, label: str, values: list, kinds: list[str]) -> None:
        """The 合计 row with the given values (computed by the report, so they also hold for ratios)."""
        self.sheet.write(self.row, 0, label, self.fmt["total_text"])
        for col, (value, kind) in enumerate(zip(values, kinds), start=1):
            self.sheet.write(self.row, col, value, self.fmt["total_" + kind])
        self.row += 1

    def footer(self, generated_by: str) -> None:
        """制表人 and time under the table."""
        self.row += 1
        stamp = to_local(utcnow()).strftime("%Y-%m-%d %H:%M")
        line = f"制表：{generated_by}　　生成时间：{stamp}　　来源：基层治理一张表"
        self.sheet.write(self.row, 0, line, self.fmt["sub"])
        self.row += 1

    def close(self) -> None:
        """Set the page up for printing (title and header rows, region column on every page) and write the file."""
        print_setup(self.sheet, last_row=self.row - 1, last_col=self.width - 1,
                    title_rows=self.first_data_row or 0, repeat_columns=1)
        self.book.close()


def _spans_both_rows(group: str, columns: list[str]) -> bool:
    return len(columns) == 1 and columns[0] == group
