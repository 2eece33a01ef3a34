"""Screenshots of the credit pages at 360 px and 1280 px (python tools/screenshots_credit.py OUTDIR)."""

import re
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from waitress.server import create_server

from app import create_app
from app.config import TestConfig
from app.extensions import db
from fixtures.loader import DEMO_PASSWORD, load_demo
from workers.queues import drain


def main(out: Path) -> None:
    """Serve a demo database, log in, visit the pages and save PNGs."""
    from flask_migrate import upgrade

    out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp())
    app = create_app(TestConfig(folder, f"sqlite:///{folder / 'shots.sqlite3'}"))
    with app.app_context():
        upgrade()
        load_demo()
        from app.blueprints.kiosk import services
        from app.models.user import User

        for user in db.session.execute(db.select(User)).scalars():
            user.must_change_password = False
        db.session.commit()
        credit = db.session.execute(db.select(User).where(User.username == "credit")).scalar_one()
        kiosk = db.session.execute(db.select(User).where(User.username == "kiosk")).scalar_one()
        _device, token = services.create_device(
            credit, name="大厅一号机", location="政务服务中心", account_id=kiosk.id
        )
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "credit")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button:has-text('登录')")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/credit/subjects?q=青禾")
        subject = page.locator("#subjects a").first.get_attribute("href")
        page.goto(base + subject)
        page.click("button:has-text('出具信用报告')")
        with app.app_context():
            drain(app)
        pages = {
            "subjects": "/credit/subjects",
            "subject": subject,
            "queues": "/credit/queues",
            "report": page.url.replace(base, ""),
            "stats": "/credit/stats",
            "models": "/credit/score-models",
            "record": None,
        }
        for name, url in pages.items():
            if not url:
                continue
            for width in (360, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(base + url)
                page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
        report_url = page.url
        number = re.search(r"\d{13}", page.content())
        kiosk_page = browser.new_page(locale="zh-CN")
        kiosk_page.goto(f"{base}/kiosk/enroll/{token}")
        for width in (360, 1280):
            kiosk_page.set_viewport_size({"width": width, "height": 800})
            kiosk_page.goto(f"{base}/kiosk/")
            kiosk_page.screenshot(path=str(out / f"kiosk-start-{width}.png"), full_page=True)
        kiosk_page.click("a.k-big >> nth=0")
        kiosk_page.fill("input[name=name]", "林晓红")
        kiosk_page.fill("input[name=number]", "330127199007082348")
        kiosk_page.click("button.primary")
        kiosk_page.screenshot(path=str(out / "kiosk-code-1280.png"), full_page=True)
        with app.app_context():
            from app.models.notification import OutboundMessage

            sms = (
                db.session.execute(db.select(OutboundMessage.body).order_by(OutboundMessage.id.desc()))
                .scalars()
                .first()
            )
        kiosk_page.fill("input[name=code]", re.search(r"验证码为 (\d{6})", sms).group(1))
        kiosk_page.click("button.primary")
        for width in (360, 1280):
            kiosk_page.set_viewport_size({"width": width, "height": 800})
            kiosk_page.goto(f"{base}/kiosk/me")
            kiosk_page.screenshot(path=str(out / f"kiosk-me-{width}.png"), full_page=True)
        if number:
            page.goto(f"{base}/verify/{number.group(0)}")
            page.screenshot(path=str(out / "verify-1280.png"), full_page=True)
        print("saved to", out, report_url)
        browser.close()
    server.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
