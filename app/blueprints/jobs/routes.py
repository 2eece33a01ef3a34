"""Job status component and result download."""
from flask import send_file
from flask_login import current_user, login_required

from app.blueprints.jobs import bp, services
from app.extensions import db
from app.security import audit
from app.web import render


@bp.route("/<job_id>")
@login_required
def status(job_id: str):
    """The job component: polls itself while the job runs."""
    job = services.visible_job_or_404(job_id, current_user)
    return render("jobs/page.html", "jobs/_status.html", job=job)


@bp.route("/<job_id>/download")
@login_required
def download(job_id: str):
    """Send the result file and audit the download."""
    job = services.visible_job_or_404(job_id, current_user)
    path = services.result_file(job)
    audit.record("job.download", job, detail=job.result_name or path.name)
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=job.result_name or path.name, max_age=0)
