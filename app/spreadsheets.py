"""XLSX conventions every workbook follows: cells never become formulas or links, and sheets print like office forms."""
import xlsxwriter

# Text from users and department files stays text: a name like "=HYPERLINK(...)" must not become a live formula.
SAFE_CELLS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
A4_PAPER = 9
PAGE_FOOTER = "&C第 &P 页 共 &N 页"


def streaming_workbook(path) -> xlsxwriter.Workbook:
    """A workbook written row by row in constant memory (rows must be written in order, each row whole)."""
    return xlsxwriter.Workbook(str(path), {"constant_memory": True, **SAFE_CELLS})


def header_format(book: xlsxwriter.Workbook):
    """The shaded, bordered header cell used by every export."""
    return book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                            "valign": "vcenter"})


def print_setup(sheet, *, last_row: int, last_col: int, title_rows: int = 1, repeat_columns: int = 1) -> None:
    """Landscape A4, one page wide, title/header rows and the key columns on every page, 第 N 页 共 M 页 footer.

    Call it once the last row is known (before closing); page setup is stored apart from the streamed rows.
    """
    sheet.set_landscape()
    sheet.set_paper(A4_PAPER)
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as the rows need
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer(PAGE_FOOTER)
    if title_rows:
        sheet.repeat_rows(0, title_rows - 1)
    if repeat_columns:
        sheet.repeat_columns(0, repeat_columns - 1)
    sheet.print_area(0, 0, max(last_row, title_rows - 1, 0), last_col)
