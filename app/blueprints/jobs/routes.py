"""Job status component and result download."""
from flask import abort, flash, redirect, send_file, url_for
from flask_login import current_user, login_required

from app.blueprints.jobs import bp, services
from app.extensions import db
from app.security import audit
from app.validation import Invalid
from app.web import render, wants_fragment


@bp.route("/<job_id>")
@login_required
def status(job_id: str):
    """The job component: polls itself while the job runs."""
    job = services.visible_job_or_404(job_id, current_user)
    return render("jobs/page.html", "jobs/_status.html", job=job)


@bp.post("/<job_id>/retry")
@login_required
def retry(job_id: str):
    """Start a failed job again; the component shows it queued, or why it cannot run."""
    job = services.visible_job_or_404(job_id, current_user)
    if job.owner_id != current_user.id:
        abort(404)
    error = None
    try:
        services.retry_job(job, current_user)
    except Invalid as exc:
        error = str(exc)
    except services.QueueUnavailable:
        error = services.QUEUE_DOWN_MESSAGE
    if not wants_fragment():
        flash(error or "任务已重新排队", "error" if error else "success")
        return redirect(url_for("jobs.status", job_id=job.id), 303)
    return render("jobs/page.html", "jobs/_status.html", job=job, retry_error=error)


@bp.route("/<job_id>/download")
@login_required
def download(job_id: str):
    """Send the result file and audit the download."""
    job = services.visible_job_or_404(job_id, current_user)
    path = services.result_file(job)
    audit.record("job.download", job, detail=job.result_name or path.name)
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=job.result_name or path.name, max_age=0)
