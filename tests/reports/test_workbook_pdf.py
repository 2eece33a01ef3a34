"""A report workbook converted by LibreOffice prints every header on every page, one page wide."""
import re
import shutil
import subprocess

import pytest

from app.blueprints.reports.definitions.population import COLUMNS, WIDTH
from app.blueprints.reports.workbook import OfficeWorkbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(not (SOFFICE and shutil.which("pdftotext")),
                                reason="LibreOffice (libreoffice-calc-nogui) or poppler-utils not installed")
COMMUNITIES = 90  # enough rows for three landscape pages


def _population_book(path):
    book = OfficeWorkbook(str(path), "人口统计")
    book.title("青禾县人口统计表", "统计范围：青禾县　　截至：2026-06-30", WIDTH)
    book.columns([22] + [10] * (WIDTH - 1))
    book.headers(COLUMNS)
    for index in range(1, COMMUNITIES + 1):
        book.data_row([f"第{index:03d}社区", *[index] * (WIDTH - 1)], ["text", *["int"] * (WIDTH - 1)])
    book.totals_row("合计", [COMMUNITIES] * (WIDTH - 1), ["int"] * (WIDTH - 1))
    book.footer("县级管理员 王建国")
    book.close()


def _pages(pdf) -> list[str]:
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                           check=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for n in range(1, count + 1)]


def test_converted_pdf_repeats_title_headers_and_region_column_on_every_page(tmp_path):
    source = tmp_path / "population.xlsx"
    _population_book(source)
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], capture_output=True, timeout=180, check=True)
    pages = _pages(tmp_path / "population.pdf")
    assert 1 < len(pages) < 6  # landscape, one page wide: 90 rows take a few pages, not a dozen
    headings = ["青禾县人口统计表", "区域", "在册人口", "性别", "男", "女", "年龄", "80 岁及以上", "民族", "少数民族",
                "人口类型", "人户分离"]
    seen = set()
    for number, text in enumerate(pages, start=1):
        missing = [word for word in headings if word not in text]
        assert not missing, (number, missing)
        assert re.search(rf"第\s*{number}\s*页\s*共\s*{len(pages)}\s*页", text), text[-200:]
        # The region column is printed on every page (never a page of bare figures).
        names = re.findall(r"第(\d{3})社区", text)
        assert names, number
        seen.update(names)
    assert len(seen) == COMMUNITIES and "合计" in pages[-1] and "制表：县级管理员 王建国" in pages[-1]
