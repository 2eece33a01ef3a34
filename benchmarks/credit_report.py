"""Credit report render time: the worker path (data + template + PDF) vs raw WeasyPrint on the same HTML.

PYTHONPATH=. .venv/bin/python benchmarks/credit_report.py [--runs 15]
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from flask import render_template


def main() -> None:
    """Print a table of median / p95 seconds for both paths and their ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from pypdf import PdfReader
    from weasyprint import HTML

    from app import create_app
    from app.blueprints.credit import reports
    from app.blueprints.credit.pdf import CJK_FONT, qr_svg
    from app.config import TestConfig
    from app.extensions import db
    from app.models import credit as C
    from fixtures.loader import load_demo
    from workers.credit import build_report_pdf

    folder = Path(tempfile.mkdtemp())
    app = create_app(TestConfig(folder, f"sqlite:///{folder / 'bench.sqlite3'}"))
    with app.app_context():
        upgrade()
        load_demo()
        subject = db.session.execute(
            db.select(C.CreditSubject).where(C.CreditSubject.name == "青禾县清溪食品有限公司")
        ).scalar_one()
        report = reports.create_report(subject, channel="staff")
        pdf, meta = build_report_pdf(report.id)
        pages = len(PdfReader(__import__("io").BytesIO(pdf)).pages)
        data = reports.report_data(report, meta["url"])
        html = render_template("pdf/credit_report.html", r=data, qr=qr_svg(meta["url"]), font=CJK_FONT)
        build_report_pdf(report.id)  # warm font caches for both paths
        HTML(string=html).write_pdf()
        worker, raw = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            build_report_pdf(report.id)
            worker.append(time.perf_counter() - start)
            start = time.perf_counter()
            HTML(string=html).write_pdf()
            raw.append(time.perf_counter() - start)

    def p95(values):
        return sorted(values)[max(0, int(len(values) * 0.95) - 1)]

    print(f"report: {pages} pages, {len(pdf) // 1024} KB, {args.runs} runs each")
    print(f"{'path':<32}{'median s':>10}{'p95 s':>10}")
    print(f"{'worker (data+template+PDF)':<32}{statistics.median(worker):>10.3f}{p95(worker):>10.3f}")
    print(f"{'raw WeasyPrint, same HTML':<32}{statistics.median(raw):>10.3f}{p95(raw):>10.3f}")
    print(f"{'ratio (median)':<32}{statistics.median(worker) / statistics.median(raw):>10.2f}")


if __name__ == "__main__":
    main()
