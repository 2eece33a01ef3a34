"""The kiosk's five tries hold under parallel guesses: each comparison takes a try in one atomic UPDATE."""
import re
import threading
import uuid

from flask.testing import FlaskClient

from app.extensions import db
from app.models import credit as C
from app.models.audit import AuditLog
from tests.conftest import csrf_token, login, post
from tests.credit.helpers import CHEN_ID, enroll_device, last_sms

GUESSES = 30


def test_thirty_parallel_guesses_compare_at_most_five(demo, app):
    admin, kiosk = app.test_client(), app.test_client()
    login(admin, "credit")
    enroll_device(app, admin, kiosk)
    post(kiosk, "/kiosk/identify/person", {"name": "陈志明", "number": CHEN_ID})
    code = re.search(r"验证码为 (\d{6})", last_sms("13800001001")).group(1)
    token = csrf_token(kiosk)
    cookies = [(c.key, c.value) for c in kiosk._cookies.values()]
    wrong = [f"{(int(code) + n) % 10**6:06d}" for n in range(1, GUESSES + 1)]
    barrier = threading.Barrier(GUESSES)
    statuses: list[int] = []

    def guess(value: str) -> None:
        # A plain client per thread: the same browser state, sent from 30 tabs at once.
        browser = FlaskClient(app, use_cookies=True)
        for key, cookie in cookies:
            browser.set_cookie(key, cookie)
        barrier.wait()
        response = browser.post("/kiosk/code", data={"csrf_token": token, "_idem": uuid.uuid4().hex, "code": value})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(value,)) for value in wrong]
    holder = app.extensions["test_context"]
    holder["ctx"].pop()  # the threads build their own contexts; the test's waits
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        holder["ctx"] = app.app_context()
        holder["ctx"].push()

    assert len(statuses) == GUESSES and set(statuses) <= {422, 503}
    compared = db.session.execute(db.select(db.func.count(AuditLog.id)).where(
        AuditLog.action == "kiosk.code.check", AuditLog.detail.like("验证码错误，剩余%"))).scalar_one()
    otc = db.session.execute(db.select(C.OneTimeCode).order_by(C.OneTimeCode.id.desc())).scalars().first()
    assert compared <= 5 and otc.tries == 5
    # The right code is now refused too: the tries are spent.
    response = post(kiosk, "/kiosk/code", {"code": code})
    assert response.status_code == 422 and kiosk.get("/kiosk/me").status_code == 303
