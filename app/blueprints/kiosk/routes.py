"""Kiosk pages: every request needs an enrolled device; a citizen sees only the identified subject."""

from functools import wraps

from flask import abort, flash, g, make_response, redirect, render_template, request, send_file, url_for

from app.blueprints.credit import appeals, reports, scoring, services
from app.blueprints.credit import forms as F
from app.blueprints.jobs.services import QueueUnavailable, start_job
from app.blueprints.kiosk import bp
from app.blueprints.kiosk import forms as KF
from app.blueprints.kiosk import services as kiosk
from app.clock import local_today
from app.conditional import conditional
from app.extensions import db
from app.models import credit as C
from app.models.job import Job
from app.security import audit
from app.validation import Invalid
from app.web import render


def enrolled(view):
    """Refuse (and audit) requests from a browser that is not an enrolled, unrevoked device."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        device = kiosk.current_device()
        if device is None:
            # Audited, but capped per address so a scanner cannot flood the audit log.
            audit.record_refusal("kiosk.refused", object_type="kiosk_device", detail=f"未登记设备访问 {request.path}")
            return make_response(render_template("kiosk/not_enrolled.html"), 403)
        g.device = device
        return view(*args, **kwargs)

    return wrapped


def identified(view):
    """An enrolled device with an identified citizen; otherwise back to the start."""

    @enrolled
    @wraps(view)
    def wrapped(*args, **kwargs):
        subject = kiosk.kiosk_subject(g.device)
        if subject is None:
            kiosk.reset_session()
            flash("请先核验身份", "warning")
            return redirect(url_for("kiosk.start"), 303)
        g.subject = subject
        return view(*args, **kwargs)

    return wrapped


@bp.route("/enroll/<token>")
def enroll(token: str):
    """Spend a one-time enrollment link and give this browser its long-lived device cookie."""
    try:
        device, cookie = kiosk.enroll(token)
    except Invalid as exc:
        return make_response(render_template("kiosk/not_enrolled.html", message=str(exc)), 403)
    response = redirect(url_for("kiosk.start"), 303)
    response.set_cookie(
        kiosk.COOKIE,
        cookie,
        max_age=kiosk.COOKIE_AGE,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
    )
    flash(f"本终端已登记为“{device.name}”", "success")
    return response


@bp.route("/")
@conditional
@enrolled
def start():
    """Start screen: 个人 or 企业."""
    kiosk.reset_session()
    return render("kiosk/start.html", device=g.device)


@bp.route("/reset")
@enrolled
def reset():
    """Idle or finished: forget the citizen and go back to the start."""
    kiosk.reset_session()
    return redirect(url_for("kiosk.start"), 303)


@bp.route("/identify/<kind>", methods=["GET", "POST"])
@enrolled
def identify(kind: str):
    """Identity details; a code goes to the phone on record."""
    if kind not in C.SUBJECT_KINDS:
        abort(404)
    form = KF.PersonForm() if kind == C.PERSON else KF.CompanyForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            kiosk.identify(g.device, kind=kind, **form.values())
            return redirect(url_for("kiosk.code"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    return render(
        "kiosk/identify.html",
        form=form,
        kind=kind,
        general=general,
        status=422 if request.method == "POST" else 200,
    )


@bp.route("/code", methods=["GET", "POST"])
@enrolled
def code():
    """Enter the SMS code."""
    form = KF.CodeForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            kiosk.check_code(g.device, form.code.data)
            return redirect(url_for("kiosk.me"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    pending = kiosk.session.get("kiosk_pending") or {}
    return render(
        "kiosk/code.html",
        form=form,
        general=general,
        phone=pending.get("phone", ""),
        status=422 if request.method == "POST" else 200,
    )


@bp.route("/me")
@identified
def me():
    """The citizen's own summary: records on report, score, appeals."""
    subject = g.subject
    records = services.public_records(subject.id)
    _model, explanation = scoring.evaluate(subject)
    db.session.commit()
    objections, repairs = appeals.subject_appeals(subject.id)
    return render(
        "kiosk/me.html",
        subject=subject,
        records=records,
        explanation=explanation,
        objections=objections,
        repairs=repairs,
        repair_refusals={r.id: appeals.repair_refusal(r, local_today()) for r in records},
    )


def _own_record(record_id: int) -> C.CreditRecord:
    """A record of the identified subject; any other id answers 404."""
    record = db.session.get(C.CreditRecord, record_id)
    if record is None or record.subject_id != g.subject.id:
        abort(404)
    return record


@bp.route("/records/<int:record_id>/<action>", methods=["GET", "POST"])
@identified
def appeal(record_id: int, action: str):
    """File an objection or a repair application for one of the citizen's records."""
    if action not in ("objection", "repair"):
        abort(404)
    record = _own_record(record_id)
    form = F.ObjectionForm() if action == "objection" else F.RepairForm()
    general: list[str] = []
    actor = kiosk.device_account(g.device)
    if form.validate_on_submit():
        try:
            files = request.files.getlist("attachments")
            if action == "objection":
                appeals.file_objection(
                    record,
                    reason=form.reason.data,
                    files=files,
                    channel="kiosk",
                    phone=form.phone.data,
                    actor=actor,
                )
                flash("异议已提交，记录已标注“异议处理中”，办理结果将短信通知您", "success")
            else:
                appeals.apply_repair(
                    record,
                    commitment=form.commitment.data,
                    commitment_accepted=form.accept_commitment.data,
                    commitment_files=request.files.getlist("commitment_file"),
                    fulfilment_note=form.fulfilment_note.data,
                    files=files,
                    channel="kiosk",
                    phone=form.phone.data,
                    actor=actor,
                )
                flash("信用修复申请已提交，审核结果将短信通知您", "success")
            return redirect(url_for("kiosk.me"), 303)
        except Invalid as exc:
            db.session.rollback()
            general = exc.attach(form)
    return render(
        "kiosk/appeal.html",
        form=form,
        record=record,
        commitment_text=appeals.COMMITMENT_TEXT,
        action=action,
        general=general,
        status=422 if request.method == "POST" else 200,
    )


@bp.route("/print", methods=["POST"])
@identified
def print_report():
    """Issue a report for the identified citizen and render it in the background."""
    actor = kiosk.device_account(g.device)
    report = reports.create_report(g.subject, channel="kiosk", requester=actor, device=g.device)
    try:
        job = start_job(
            "workers.credit.render_credit_report",
            idempotent=True, kind="credit_report",
            title=f"信用报告 {report.number}",
            owner=actor,
            queue="reports",
            params={"report": report.id},
            args=(report.id,),
        )
    except QueueUnavailable:
        flash("打印服务暂不可用，请稍后重试", "error")
        return redirect(url_for("kiosk.me"), 303)
    report.job_id = job.id
    db.session.commit()
    return redirect(url_for("kiosk.report", number=report.number), 303)


def _own_report(number: str) -> C.CreditReport:
    report = reports.find_report(number)
    if report is None or report.subject_id != g.subject.id or report.device_id != g.device.id:
        abort(404)
    return report


@bp.route("/reports/<number>")
@identified
def report(number: str):
    """Rendering progress; polls itself until the PDF is ready."""
    report = _own_report(number)
    job = db.session.get(Job, report.job_id) if report.job_id else None
    return render("kiosk/report.html", "kiosk/_report.html", report=report, job=job)


@bp.route("/reports/<number>/print")
@identified
def print_page(number: str):
    """The PDF in a frame for printing; the citizen's session ends here (reset after each print)."""
    report = _own_report(number)
    if report.state != C.REPORT_READY:
        return redirect(url_for("kiosk.report", number=number), 303)
    audit.record(
        "kiosk.print",
        report,
        actor=kiosk.device_account(g.device),
        detail=f"终端 {g.device.id}（{g.device.name}），主体 {report.subject_id}，报告 {report.number}",
    )
    db.session.commit()
    kiosk.reset_session()
    kiosk.session["kiosk_print"] = {"device": g.device.id, "number": report.number}
    return render("kiosk/print.html", report=report)


@bp.route("/reports/<number>/pdf")
@enrolled
def pdf(number: str):
    """The PDF just printed on this device (only until the terminal resets)."""
    ticket = kiosk.session.get("kiosk_print") or {}
    report = reports.find_report(number)
    if (
        report is None
        or ticket.get("number") != number
        or ticket.get("device") != g.device.id
        or report.device_id != g.device.id
        or not report.pdf_path
    ):
        abort(404)
    response = send_file(report.pdf_path, mimetype="application/pdf", max_age=0)
    # The kiosk print page frames this PDF; everything else keeps frame-ancestors 'none'.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    return response


@bp.route("/progress")
@identified
def progress():
    """The citizen's objections and repair applications with their state."""
    objections, repairs = appeals.subject_appeals(g.subject.id)
    return render("kiosk/progress.html", objections=objections, repairs=repairs)
