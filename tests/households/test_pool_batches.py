"""Pool batches: only a finished batch counts as imported; a lost or crashed one fails and can be re-run."""
import hashlib
import io
import threading
from pathlib import Path

from werkzeug.datastructures import FileStorage

from app.blueprints.pool.services import start_import
from app.extensions import db
from app.models.job import Job
from app.models.source import ImportBatch, SourceRecord
from app.models.user import User
from tests.conftest import body, login, post
from tests.foundation.test_reconciler import scheduler_tick
from tests.households.helpers import fresh_id
from workers.queues import drain, redis_connection

HEADER = "公民身份号码,姓名,性别,出生日期,民族,户籍地址,网格代码\n"
HX = {"HX-Request": "true"}
GIVEN = "伟芳娜敏静丽强磊"  # valid names: department files are checked for them


def huji_file(*numbers: str) -> bytes:
    return (HEADER + "".join(f"{n},孙{GIVEN[i]},男,1990-03-04,汉族,地址{i},\n" for i, n in enumerate(numbers))).encode()


def upload(client, content: bytes, name="huji.csv"):
    return post(client, "/pool/", {"source": "huji", "file": (io.BytesIO(content), name)},
                content_type="multipart/form-data")


def batches(*contents: bytes) -> list[ImportBatch]:
    """The batches of these files, oldest first."""
    db.session.expire_all()
    digests = [hashlib.sha256(c).hexdigest() for c in contents]
    return list(db.session.execute(db.select(ImportBatch).where(ImportBatch.content_hash.in_(digests))
                                   .order_by(ImportBatch.id)).scalars())


def records() -> int:
    return db.session.execute(db.select(db.func.count(SourceRecord.id)).where(SourceRecord.source == "huji")).scalar()


def lose_queue(app) -> None:
    """Redis restarts without persistence twice: the first time the import is re-queued by itself (it never
    started, and imports are idempotent), the second time it fails."""
    for _ in range(2):
        redis_connection(app).flushdb()
        scheduler_tick(app)
        scheduler_tick(app)


def test_a_lost_import_fails_its_batch_and_the_same_file_imports_again(demo, client, app):
    content = huji_file(fresh_id(31), fresh_id(32))
    before = records()
    login(client, "dept")
    first = upload(client, content)
    lose_queue(app)
    [lost] = batches(content)
    assert lost.state == "failed" and "丢失" in lost.error
    page = body(client.get(first.headers["Location"]))
    assert "失败" in page and "重新导入" in page and "处理中" not in page
    again = upload(client, content)
    assert "已于" not in body(client.get(again.headers["Location"]))
    drain(app)
    assert [b.state for b in batches(content)] == ["failed", "done"] and records() == before + 2
    third = upload(client, content)
    assert "已于" in body(client.get(third.headers["Location"])) and len(batches(content)) == 2


def test_a_failed_batch_reruns_from_its_page(demo, client, app):
    content = huji_file(fresh_id(33))
    login(client, "dept")
    location = upload(client, content).headers["Location"]
    lose_queue(app)
    [batch] = batches(content)
    rerun = post(client, f"/pool/batches/{batch.id}/retry", headers=HX)
    assert rerun.status_code == 200 and "处理中" in body(rerun)
    drain(app)
    [batch] = batches(content)
    assert (batch.state, batch.inserted, batch.error) == ("done", 1, None)
    assert "共 1 行" in body(client.get(location))


def test_a_rerun_is_refused_once_the_file_was_uploaded_again(demo, client, app):
    content = huji_file(fresh_id(34))
    login(client, "dept")
    upload(client, content)
    lose_queue(app)
    upload(client, content)
    old, new = batches(content)
    refused = post(client, f"/pool/batches/{old.id}/retry", headers=HX)
    assert refused.status_code == 422 and f"批次 {new.id}" in body(refused)
    assert batches(content)[0].state == "failed"


def test_an_import_still_running_is_not_started_twice(demo, client, app):
    content = huji_file(fresh_id(35))
    login(client, "dept")
    upload(client, content)
    second = upload(client, content, name="copy.csv")
    assert "正在导入" in body(client.get(second.headers["Location"]))
    assert len(batches(content)) == 1


def test_a_crashing_import_job_fails_its_batch(demo, client, app):
    login(client, "dept")
    content = huji_file(fresh_id(36))
    upload(client, content)
    [batch] = batches(content)
    Path(batch.stored_path).unlink()  # the shared files folder lost the upload
    drain(app)
    [batch] = batches(content)
    assert batch.state == "failed" and db.session.get(Job, batch.job_id).state == "failed"


def test_two_simultaneous_uploads_of_one_file_make_one_batch(demo, app):
    """Eight files, each uploaded by two threads at the same moment."""
    dept = db.session.execute(db.select(User).where(User.username == "dept")).scalar_one().id
    files = [huji_file(fresh_id(40 + i)) for i in range(8)]
    outcomes: list = []
    errors: list = []

    def upload_in_thread(content: bytes, barrier: threading.Barrier):
        with app.app_context():
            try:
                user = db.session.get(User, dept)
                barrier.wait(10)
                batch, started = start_import(user, "huji", FileStorage(io.BytesIO(content), "huji.csv"))
                outcomes.append((batch.id, started))
            except Exception as exc:  # the assertion below shows it
                errors.append(exc)
            finally:
                db.session.remove()

    for content in files:
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=upload_in_thread, args=(content, barrier)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert errors == []
    assert len(batches(*files)) == len(files)
    assert sorted(started for _, started in outcomes) == [False] * len(files) + [True] * len(files)


def test_an_upload_while_redis_is_down_does_not_block_the_file(demo, client, app):
    from tests.foundation.test_queue_outage import closed_port

    content = huji_file(fresh_id(37))
    login(client, "dept")
    working = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{closed_port()}/0"
    refused = upload(client, content)
    assert refused.status_code == 422 and "任务队列暂不可用" in body(refused)
    assert [b.state for b in batches(content)] == ["failed"]
    app.config["REDIS_URL"] = working
    upload(client, content)
    drain(app)
    assert [b.state for b in batches(content)] == ["failed", "done"]
