"""Job results reach their owner only; the monitor lists jobs without links or personal data."""
from app.blueprints.credit import reports
from app.blueprints.jobs.services import start_job
from app.extensions import db
from app.models.job import Job
from app.models.user import User
from tests.conftest import body, login, post
from tests.credit.helpers import enroll_device, kiosk_identify_person
from workers.context import UserFacingJobError, portal_job
from workers.queues import drain


def _user(name):
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one()


def _export(client) -> str:
    response = post(client, "/admin/audit/export", {"action": "auth"})
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_monitor_role_cannot_see_or_download_other_users_results(demo, app, client):
    login(client, "county")
    job_id = _export(client)
    drain(app)
    assert client.get(f"/jobs/{job_id}/download").status_code == 200
    for name in ("opslead", "admin"):  # 运维主管 and 系统管理员 both hold jobs.monitor
        other = app.test_client()
        login(other, name)
        assert other.get(f"/jobs/{job_id}").status_code == 404
        assert other.get(f"/jobs/{job_id}/download").status_code == 404


@portal_job
def _leaky_failure(ctx, id_number: str):
    raise UserFacingJobError(f"第 3 行身份证号 {id_number} 与姓名不符")


def test_monitor_shows_no_download_links_or_personal_data(demo, app, client):
    owner = _user("county")
    start_job(_leaky_failure, kind="households.export", title="户档导出 330127198503121233", owner=owner,
              args=("330127198503121233",))
    drain(app)
    login(client, "opslead")
    page = body(client.get("/admin/jobs/"))
    assert "户档导出" in page and "UserFacingJobError" in page
    assert "330127198503121233" not in page and "/download" not in page and "/jobs/" not in page.replace(
        "/admin/jobs/", "")


def test_kiosk_pdf_only_through_its_device_session(demo, app):
    admin, kiosk = app.test_client(), app.test_client()
    login(admin, "credit")
    enroll_device(app, admin, kiosk)
    assert kiosk_identify_person(kiosk).status_code == 303
    number = post(kiosk, "/kiosk/print").headers["Location"].rsplit("/", 1)[-1]
    drain(app)
    report = reports.find_report(number)
    job = db.session.get(Job, report.job_id)
    job_id = job.id
    assert job.owner_id == _user("kiosk").id and job.state == "done"
    # Neither a monitor nor anyone holding the kiosk account reaches the citizen's PDF through /jobs.
    for name in ("opslead", "admin"):
        other = app.test_client()
        login(other, name)
        assert other.get(f"/jobs/{job_id}/download").status_code == 404
    # Another browser without the device cookie and print ticket gets nothing either.
    assert app.test_client().get(f"/kiosk/reports/{number}/pdf").status_code == 403
