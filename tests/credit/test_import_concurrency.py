"""Two imports of one workbook at the same moment create each record once, and both jobs finish."""
import threading

import pytest

from app.blueprints.jobs.services import start_job
from app.extensions import db
from app.models import credit as C
from app.models.job import Job
from app.models.user import User
from tests.conftest import TEST_DATABASE_URL
from tests.credit.helpers import CHEN_ID
from tests.credit.test_import import _xlsx
from workers.queues import embedded_worker

ROWS = 300  # more than one commit batch, so each import waits on the other's uncommitted rows


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="SQLite runs one writer at a time")
def test_simultaneous_imports_of_one_file_both_finish(demo, app):
    dept = db.session.execute(db.select(User).where(User.username == "dept")).scalar_one()
    path = app.config["FILES_DIR"] / "same.xlsx"
    rows = [("陈志明", "自然人", "", "", "身份证", CHEN_ID, f"青公罚并〔2026〕{i}号", "治安", "同一文件同时导入",
             "《治安管理处罚法》", "罚款", "罚款 100 元", "0.01", "2026-05-01", "", "县公安局", "县公安局", "")
            for i in range(ROWS)]
    path.write_bytes(_xlsx(rows).getvalue())
    jobs = [start_job("workers.credit.import_credit_records", kind="credit_import", title="导入信用记录", owner=dept,
                      args=(dept.id, str(path), "same.xlsx", "penalty"), idempotent=True).id for _ in range(2)]
    barrier = threading.Barrier(2)

    def work():
        from workers.context import register_app

        register_app(app)
        barrier.wait(10)
        embedded_worker(app).work(burst=True, max_jobs=1, logging_level="WARNING")

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    db.session.expire_all()
    states = [(db.session.get(Job, job_id).state, db.session.get(Job, job_id).error) for job_id in jobs]
    assert states == [("done", None), ("done", None)]
    created = db.session.execute(db.select(db.func.count(C.CreditRecord.id)).where(
        C.CreditRecord.doc_number.like("青公罚并%"))).scalar_one()
    assert created == ROWS
