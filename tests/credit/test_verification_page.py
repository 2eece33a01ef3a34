"""Verification never says 有效 beside a failed check; every absolute link comes from PORTAL_PUBLIC_URL."""
import io
import re
import uuid

from pypdf import PdfReader

from app.blueprints.credit import reports
from app.extensions import db
from app.models import credit as C
from app.models.notification import OutboundMessage
from tests.conftest import body, csrf_token, login, post
from tests.credit.helpers import subject_by_name, user
from workers.queues import drain

PUBLIC = "https://portal.qinghe.example"
FORGED_HOST = {"Host": "attacker.example"}


def _issue(client, app, forged_host=False) -> C.CreditReport:
    subject = subject_by_name("青禾县清溪食品有限公司")
    url = f"/credit/subjects/{subject.id}/reports"
    response = _post_with_forged_host(client, url) if forged_host else post(client, url)
    assert response.status_code == 303
    drain(app)
    db.session.expire_all()
    return db.session.get(C.CreditReport, int(response.headers["Location"].rsplit("/", 1)[-1]))


def _post_with_forged_host(client, url, data=None):
    """POST a form with the logged-in session but another Host header (the cookie jar is per host)."""
    form = {"csrf_token": csrf_token(client), "_idem": uuid.uuid4().hex, **(data or {})}
    client.set_cookie("portal_session", client.get_cookie("portal_session").value, domain=FORGED_HOST["Host"])
    return client.post(url, data=form, headers=FORGED_HOST)


def _headline(response) -> str:
    return re.search(r'id="verdict-headline">([^<]*)<', body(response)).group(1)


def test_a_tampered_code_makes_the_headline_invalid(demo, client, app):
    login(client, "credit")
    report = _issue(client, app)
    code = reports.verify_code(report.number, report.content_sha256)
    public = app.test_client()
    assert _headline(public.get(f"/verify/{report.number}?c={code}")) == "有效"
    forged = code[:-1] + ("1" if code[-1] == "0" else "0")
    tampered = public.get(f"/verify/{report.number}?c={forged}")
    assert _headline(tampered) == "无效：校验码不符"
    assert "有效" not in body(tampered).replace("无效", "").replace("有效期至", "") and "st-ok" not in body(tampered)


def test_a_non_matching_upload_makes_the_headline_invalid(demo, client, app):
    login(client, "credit")
    report = _issue(client, app)
    original = open(report.pdf_path, "rb").read()
    public = app.test_client()
    same = post(public, f"/verify/{report.number}", {"pdf": (io.BytesIO(original), "r.pdf")},
                content_type="multipart/form-data")
    assert _headline(same) == "有效"
    changed = original[:2000] + bytes([original[2000] ^ 1]) + original[2001:]
    other = post(public, f"/verify/{report.number}", {"pdf": (io.BytesIO(changed), "r.pdf")},
                 content_type="multipart/form-data")
    assert _headline(other) == "无效：与存档不一致" and "st-ok" not in body(other)


def test_qr_code_and_printed_address_ignore_a_forged_host_header(demo, client, app):
    login(client, "credit")
    report = _issue(client, app, forged_host=True)
    from workers.credit import build_report_pdf

    _pdf, meta = build_report_pdf(report.id)
    code = reports.verify_code(report.number, report.content_sha256)
    assert meta["url"] == f"{PUBLIC}/verify/{report.number}?c={code}"
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(report.pdf_path).pages))
    assert f"{PUBLIC}/verify/{report.number}" in text and "attacker" not in text
    assert b"attacker" not in open(report.pdf_path, "rb").read()


def test_kiosk_enrollment_link_ignores_a_forged_host_header(demo, client):
    login(client, "credit")
    response = _post_with_forged_host(client, "/credit/kiosks", {"name": "一号机", "location": "大厅",
                                                                 "account_id": str(user("kiosk").id)})
    assert response.status_code == 200
    assert re.search(rf"{re.escape(PUBLIC)}/kiosk/enroll/[A-Za-z0-9_-]+", body(response))
    assert "attacker" not in body(response)


def test_notification_email_links_to_the_public_address(app, demo):
    from app.blueprints.notifications.services import notify

    engineer = user("engineer")
    engineer.email = "engineer@qinghe.example"
    notify([engineer.id], "工单 T1 即将超时", body="请尽快处理", link="/tickets/7", email=True)
    db.session.commit()
    message = db.session.execute(db.select(OutboundMessage).where(OutboundMessage.channel == "email")).scalar_one()
    assert message.body.endswith(f"查看：{PUBLIC}/tickets/7")
