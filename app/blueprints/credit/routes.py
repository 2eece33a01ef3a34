"""Staff credit pages: thin routes over services, appeals, reports, scoring and kiosk devices."""

from flask import flash, redirect, request, send_file, url_for
from flask_login import current_user

from app.blueprints.credit.archive_link import archive_household
from app.blueprints.credit import appeal_states, appeals, bp, classes, list_sync, lists, reports, scoring, services
from app.blueprints.credit import stats
from app.blueprints.credit import forms as F
from app.blueprints.jobs.services import QueueUnavailable, start_job
from app.blueprints.kiosk import services as kiosks
from app.clock import local_today, utcnow
from app.extensions import db
from app.models import credit as C
from app.pagination import paginate
from app.public_urls import public_url
from app.security import audit
from app.security import permissions as P
from app.security.permissions import requires
from app.security.scoping import scoped_regions
from app.validation import Invalid
from app.web import page_args, render


def _me():
    return current_user._get_current_object()


def _status(_form) -> int:
    return 422 if request.method == "POST" else 200


@bp.route("/subjects")
@requires(P.CREDIT_VIEW)
def subjects():
    """Search subjects by name, resident ID or credit code."""
    text, kind = request.args.get("q", "").strip()[:64], request.args.get("kind", "")
    page, size = page_args(20, 100)
    result = paginate(services.subjects_query(_me(), text, kind), page, size)
    codes = {s.id: services.subject_code_masked(s) for s in result.items}
    return render(
        "credit/subjects.html",
        "credit/_subjects_table.html",
        result=result,
        q=text,
        kind=kind,
        kinds=C.SUBJECT_KINDS,
        codes=codes,
    )


@bp.route("/subjects/new", methods=["GET", "POST"])
@requires(P.CREDIT_ENTER)
def subject_new():
    """Register a subject."""
    form = F.SubjectForm()
    form.region_id.choices = [
        (r.id, f"{'　' * r.depth}{r.name}")
        for r in db.session.execute(scoped_regions()).scalars()
        if r.depth < 3
    ]
    general: list[str] = []
    if form.validate_on_submit():
        try:
            subject = services.create_subject(
                _me(),
                **{
                    k: getattr(form, k).data
                    for k in (
                        "kind",
                        "name",
                        "id_number",
                        "uscc",
                        "legal_rep_name",
                        "legal_rep_id",
                        "phone",
                        "address",
                        "region_id",
                    )
                },
            )
            flash(f"已登记信用主体“{subject.name}”", "success")
            return redirect(url_for("credit.subject", subject_id=subject.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    return render("credit/subject_form.html", form=form, general=general, status=_status(form))


@bp.route("/subjects/<int:subject_id>")
@requires(P.CREDIT_VIEW)
def subject(subject_id: int):
    """A subject: records, score explanation, appeals and reports issued."""
    subject = services.get_subject_or_404(_me(), subject_id)
    records = services.subject_records(_me(), subject.id)
    model, explanation = scoring.evaluate(subject)
    db.session.commit()  # the default model may just have been created
    issued = list(db.session.execute(reports.reports_query(_me(), subject.id).limit(20)).scalars())
    objections, repairs = appeals.subject_appeals(subject.id)
    return render(
        "credit/subject.html",
        subject=subject,
        records=records,
        explanation=explanation,
        model=model,
        issued=issued,
        objections=objections,
        repairs=repairs,
        today=local_today(),
        code=services.subject_code_masked(subject),
        household=archive_household(_me(), subject),
        list_entries=lists.entries_of(subject.id),
    )


@bp.route("/subjects/<int:subject_id>/reveal", methods=["POST"])
@requires(P.PII_REVEAL)
def subject_reveal(subject_id: int):
    """Show a person's full resident ID once (audited)."""
    subject = services.get_subject_or_404(_me(), subject_id)
    code = services.reveal_id_number(subject)
    return render("credit/_reveal.html", "credit/_reveal.html", subject=subject, code=code, revealed=True)


@bp.route("/subjects/<int:subject_id>/records/new", methods=["GET", "POST"])
@requires(P.CREDIT_ENTER)
def record_new(subject_id: int):
    """Publish a record for a subject."""
    subject = services.get_subject_or_404(_me(), subject_id)
    form = F.RecordForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            record = services.create_record(_me(), subject, form.values())
            flash(f"已发布记录 {record.doc_number}（公示至 {record.pub_end}）", "success")
            return redirect(url_for("credit.subject", subject_id=subject.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    return render(
        "credit/record_form.html", form=form, general=general, subject=subject, status=_status(form)
    )


@bp.route("/records/<int:record_id>")
@requires(P.CREDIT_VIEW)
def record(record_id: int):
    """A record with its earlier versions and the counter forms for objection and repair."""
    record = services.get_record_or_404(_me(), record_id)
    subject = services.get_subject_or_404(_me(), record.subject_id)
    return render(
        "credit/record.html",
        record=record,
        subject=subject,
        versions=services.record_versions(record.id),
        objection_form=F.ObjectionForm(formdata=None),
        repair_form=F.RepairForm(formdata=None),
        today=local_today(),
        general=[],
        **_repair_context(record),
    )


def _repair_context(record: C.CreditRecord) -> dict:
    return {
        "repair_refusal": appeals.repair_refusal(record, local_today()),
        "commitment_text": appeals.COMMITMENT_TEXT,
        "possible_from": classes.repair_possible_from(record) if record.category in C.REPAIRABLE else None,
    }


@bp.route("/records/<int:record_id>/fulfilment", methods=["POST"])
@requires(P.CREDIT_ENTER)
def record_fulfilment(record_id: int):
    """Change a commitment's fulfilment state (履约中 / 已履约 / 未履约)."""
    record = services.get_record_or_404(_me(), record_id)
    try:
        services.set_fulfilment(_me(), record, request.form.get("fulfilment", ""),
                                version=request.form.get("row_version"))
        flash("履约状态已更新", "success")
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(url_for("credit.record", record_id=record.id), 303)


def _counter(record_id: int, form_cls, action):
    record = services.get_record_or_404(_me(), record_id)
    form = form_cls()
    try:
        if not form.validate_on_submit():
            raise Invalid({})
        action(record, form)
        return redirect(url_for("credit.queues"), 303)
    except Invalid as exc:
        general = exc.attach(form)
    subject = services.get_subject_or_404(_me(), record.subject_id)
    forms = {"objection_form": F.ObjectionForm(formdata=None), "repair_form": F.RepairForm(formdata=None)}
    forms["objection_form" if form_cls is F.ObjectionForm else "repair_form"] = form
    return render(
        "credit/record.html",
        record=record,
        subject=subject,
        versions=services.record_versions(record.id),
        today=local_today(),
        general=general,
        status=422,
        **forms,
        **_repair_context(record),
    )


@bp.route("/records/<int:record_id>/objections", methods=["POST"])
@requires(P.CREDIT_MANAGE)
def objection_new(record_id: int):
    """File an objection at the counter."""

    def act(record, form):
        appeals.file_objection(
            record,
            reason=form.reason.data,
            files=request.files.getlist("attachments"),
            channel="counter",
            phone=form.phone.data,
        )
        flash("异议已受理，记录已标注为“异议处理中”", "success")

    return _counter(record_id, F.ObjectionForm, act)


@bp.route("/records/<int:record_id>/repairs", methods=["POST"])
@requires(P.CREDIT_MANAGE)
def repair_new(record_id: int):
    """Apply for repair at the counter."""

    def act(record, form):
        appeals.apply_repair(
            record,
            commitment=form.commitment.data,
            commitment_accepted=form.accept_commitment.data,
            commitment_files=request.files.getlist("commitment_file"),
            fulfilment_note=form.fulfilment_note.data,
            files=request.files.getlist("attachments"),
            channel="counter",
            phone=form.phone.data,
        )
        flash(f"信用修复申请已受理，由认定部门（{record.department}）决定", "success")

    return _counter(record_id, F.RepairForm, act)


@bp.route("/queues")
@requires(P.CREDIT_VIEW)
def queues():
    """Objection and repair queues with deadlines; overdue ones highlighted."""
    state = request.args.get("state", "")
    objections = (
        []
        if state in C.REPAIR_STATES
        else db.session.execute(appeals.objection_queue(_me(), state).limit(200)).all()
    )
    repairs = (
        []
        if state in C.OBJECTION_STATES
        else db.session.execute(appeals.repair_queue(_me(), state).limit(200)).all()
    )
    return render("credit/queues.html", objections=objections, repairs=repairs, now=utcnow(), state=state)


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
@requires(P.CREDIT_ENTER)
def objection(objection_id: int):
    """Forward (credit officer) or answer (department) one objection."""
    objection, record, subject = appeals.get_objection_or_404(_me(), objection_id)
    form = F.AnswerForm(obj=record) if request.method == "GET" else F.AnswerForm()
    general: list[str] = []
    failed = False
    if request.method == "POST":
        try:
            if request.form.get("action") == "forward":
                if not _me().can(P.CREDIT_MANAGE):
                    raise Invalid("只有信用管理员可以转办异议")
                appeals.forward_objection(_me(), objection)
                flash("已转来源部门答复", "success")
            else:
                appeals.answer_objection(
                    _me(),
                    objection,
                    outcome=form.outcome.data,
                    answer=form.answer.data,
                    corrected=form.values(),
                    version=form.row_version.data,
                )
                flash("异议已办结，已短信通知申请人", "success")
            return redirect(url_for("credit.objection", objection_id=objection.id), 303)
        except Invalid as exc:
            db.session.rollback()
            general, failed = exc.attach(form), True
    return render(
        "credit/objection.html",
        objection=objection,
        record=record,
        subject=subject,
        form=form,
        general=general,
        now=utcnow(),
        status=422 if failed else 200,
    )


def _repair_page(repair_id: int, form=None, general=None, status: int = 200):
    repair, record, subject = appeals.get_repair_or_404(_me(), repair_id)
    return render(
        "credit/repair.html",
        repair=repair,
        record=record,
        subject=subject,
        form=form or F.RepairMoveForm(formdata=None),
        general=general or [],
        now=utcnow(),
        actions=appeal_states.actions(appeal_states.REPAIR_MOVES, repair.state, _me(), repair.department),
        status=status,
    )


@bp.route("/repairs/<int:repair_id>")
@requires(P.CREDIT_VIEW)
def repair(repair_id: int):
    """One repair application with the steps the user may take (the office forwards, the department decides)."""
    return _repair_page(repair_id)


@bp.post("/repairs/<int:repair_id>/<action>")
@requires(P.CREDIT_ENTER)
def repair_move(repair_id: int, action: str):
    """Take one step of the repair workflow (appeal_states.REPAIR_MOVES decides who may)."""
    repair, _record, _subject = appeals.get_repair_or_404(_me(), repair_id)
    if action not in appeal_states.REPAIR_MOVES:
        return _repair_page(repair_id, general=["未知的操作"], status=404)
    form = F.RepairMoveForm()
    try:
        appeals.move_repair(_me(), repair, action, answer=form.answer.data)
        flash(f"已{appeal_states.REPAIR_MOVES[action].label}", "success")
        return redirect(url_for("credit.repair", repair_id=repair.id), 303)
    except Invalid as exc:
        db.session.rollback()
        general = exc.attach(form)
    return _repair_page(repair_id, form, general, 422)


@bp.route("/subjects/<int:subject_id>/reports", methods=["POST"])
@requires(P.CREDIT_VIEW)
def report_new(subject_id: int):
    """Issue a report for a subject at the counter; the PDF renders in the background."""
    subject = services.get_subject_or_404(_me(), subject_id)
    report = reports.create_report(subject, channel="staff", requester=_me())
    try:
        job = start_job(
            "workers.credit.render_credit_report",
            idempotent=True, kind="credit_report",
            title=f"信用报告 {report.number}",
            owner=_me(),
            queue="reports",
            params={"report": report.id},
            args=(report.id,),
        )
    except QueueUnavailable:
        flash("任务队列暂不可用，请稍后重试", "error")
        return redirect(url_for("credit.subject", subject_id=subject.id), 303)
    report.job_id = job.id
    db.session.commit()
    return redirect(url_for("credit.report", report_id=report.id), 303)


@bp.route("/reports", endpoint="reports")
@requires(P.CREDIT_VIEW)
def reports_list():
    """Report history."""
    text = request.args.get("q", "").strip()[:32]
    page, size = page_args(20, 100)
    result = paginate(reports.reports_query(_me(), text=text), page, size)
    return render(
        "credit/reports.html",
        "credit/_reports_table.html",
        result=result,
        q=text,
        status_of=reports.public_status,
    )


@bp.route("/reports/<int:report_id>")
@requires(P.CREDIT_VIEW)
def report(report_id: int):
    """One report: rendering progress, then reprint and revoke."""
    report = reports.get_report_or_404(_me(), report_id)
    return render(
        "credit/report.html",
        "credit/_report_status.html",
        report=report,
        status_label=reports.public_status(report),
        form=F.RevokeForm(formdata=None),
        general=[],
    )


@bp.route("/reports/<int:report_id>/pdf")
@requires(P.CREDIT_VIEW)
def report_pdf(report_id: int):
    """Reprint: the archived PDF with the same number (audited)."""
    report = reports.get_report_or_404(_me(), report_id)
    if report.state != C.REPORT_READY or not report.pdf_path:
        flash("报告尚未生成", "warning")
        return redirect(url_for("credit.report", report_id=report.id), 303)
    audit.record("credit.report.reprint", report, detail=report.number)
    db.session.commit()
    return send_file(
        report.pdf_path,
        mimetype="application/pdf",
        download_name=f"信用报告-{report.number}.pdf",
        as_attachment=True,
        max_age=0,
    )


@bp.route("/reports/<int:report_id>/revoke", methods=["POST"])
@requires(P.CREDIT_MANAGE)
def report_revoke(report_id: int):
    """Revoke a report."""
    report = reports.get_report_or_404(_me(), report_id)
    form = F.RevokeForm()
    try:
        reports.revoke(_me(), report, form.reason.data)
        flash(f"报告 {report.number} 已撤销", "success")
        return redirect(url_for("credit.report", report_id=report.id), 303)
    except Invalid as exc:
        general = exc.attach(form)
    return render(
        "credit/report.html",
        report=report,
        status_label=reports.public_status(report),
        form=form,
        general=general,
        status=422,
    )


def _lists_page(kind: str, form=None, general=None, status: int = 200):
    kind = kind if kind in C.LIST_KINDS else C.SERIOUS_LIST
    entries = db.session.execute(
        db.select(C.CreditListEntry, C.CreditSubject)
        .join(C.CreditSubject, C.CreditListEntry.subject_id == C.CreditSubject.id)
        .where(C.CreditListEntry.list_kind == kind)
        .order_by(C.CreditListEntry.removed_on.is_not(None), C.CreditListEntry.entered_on.desc())
        .limit(500)
    ).all()
    return render("credit/lists.html", kind=kind, kinds=C.LIST_KINDS, entries=entries,
                  form=form or F.ListEntryForm(formdata=None), remove_form=F.ListRemoveForm(formdata=None),
                  file_form=F.ListFileForm(formdata=None), general=general or [], status=status)


@bp.route("/lists")
@requires(P.CREDIT_VIEW)
def credit_lists():
    """严重失信主体名单 and 红名单: current entries and the removal history."""
    return _lists_page(request.args.get("kind", C.SERIOUS_LIST))


@bp.post("/lists/<kind>/entries")
@requires(P.CREDIT_MANAGE)
def list_enter(kind: str):
    """Put a subject on a list (basis, authority, date)."""
    form = F.ListEntryForm()
    try:
        if not form.validate():
            raise Invalid({})
        subject = services.find_subject_by_code(_me(), form.code.data)
        lists.enter(_me(), subject, list_kind=kind, basis=form.basis.data, authority=form.authority.data,
                    entered_on=form.entered_on.data, doc_number=form.doc_number.data,
                    valid_until=form.valid_until.data)
        flash(f"已将“{subject.name}”列入{C.LIST_KINDS[kind]}", "success")
        return redirect(url_for("credit.credit_lists", kind=kind), 303)
    except Invalid as exc:
        db.session.rollback()
        return _lists_page(kind, form, exc.attach(form), 422)


@bp.post("/lists/entries/<int:entry_id>/remove")
@requires(P.CREDIT_MANAGE)
def list_remove(entry_id: int):
    """Take a subject off a list (repair, expiry or correction)."""
    entry = db.get_or_404(C.CreditListEntry, entry_id)
    services.get_subject_or_404(_me(), entry.subject_id)
    form = F.ListRemoveForm()
    try:
        lists.remove(_me(), entry, form.reason.data, form.note.data)
        flash("已移出名单", "success")
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(url_for("credit.credit_lists", kind=entry.list_kind), 303)


@bp.post("/lists/<kind>/reconcile")
@requires(P.CREDIT_MANAGE)
def list_reconcile(kind: str):
    """Upload a list file; the differences are shown for review before anything changes."""
    try:
        token, name = list_sync.store(request.files.get("file"))
        list_sync.compare(kind, token, name)
    except Invalid as exc:
        form = F.ListFileForm()
        return _lists_page(kind, general=exc.attach(form) or [str(exc)], status=422)
    return redirect(url_for("credit.list_review", kind=kind, token=token, name=name), 303)


@bp.route("/lists/<kind>/review")
@requires(P.CREDIT_MANAGE)
def list_review(kind: str):
    """New, removed and changed entries of a list file, with the button that applies them."""
    token, name = request.args.get("token", ""), request.args.get("name", "")
    try:
        diff = list_sync.compare(kind, token, name)
        sha = list_sync.fingerprint(token, name)
    except Invalid as exc:
        return _lists_page(kind, general=[str(exc)], status=422)
    return render("credit/list_review.html", kind=kind, kinds=C.LIST_KINDS, diff=diff, token=token, name=name,
                  sha=sha, rows=list_sync.report_rows(diff))


@bp.route("/lists/<kind>/review.xlsx")
@requires(P.CREDIT_MANAGE)
def list_review_report(kind: str):
    """The difference report as a workbook."""
    import io

    import xlsxwriter

    token, name = request.args.get("token", ""), request.args.get("name", "")
    try:
        rows = list_sync.report_rows(list_sync.compare(kind, token, name))
    except Invalid as exc:
        return _lists_page(kind, general=[str(exc)], status=422)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("差异")
    sheet.write_row(0, 0, ("差异", "主体名称", "代码", "文书号", "认定机关", "列入日期", "说明"))
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    book.close()
    buffer.seek(0)
    audit.record("credit.list.diff_report", object_type="credit_list_entry", detail=f"{C.LIST_KINDS[kind]}：{name}")
    db.session.commit()
    return send_file(buffer, download_name=f"名单对账差异-{C.LIST_KINDS[kind]}.xlsx", as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.post("/lists/<kind>/apply")
@requires(P.CREDIT_MANAGE)
def list_apply(kind: str):
    """Apply the reviewed differences."""
    token, name = request.form.get("token", ""), request.form.get("name", "")
    try:
        diff = list_sync.apply(_me(), kind, token, name, request.form.get("sha", ""))
    except Invalid as exc:
        db.session.rollback()
        return _lists_page(kind, general=[str(exc)], status=422)
    flash(f"已按名单文件更新：新增 {len(diff.new)}，移出 {len(diff.removed)}，变更 {len(diff.changed)}", "success")
    return redirect(url_for("credit.credit_lists", kind=kind), 303)


@bp.route("/rules-review")
@requires(P.CREDIT_MANAGE)
def rules_review():
    """Records outside the current class bounds (kept from the earlier rules), listed for correction."""
    return render("credit/rules_review.html", rows=services.rule_findings(_me()), today=local_today())


@bp.route("/stats", endpoint="stats")
@requires(P.CREDIT_VIEW)
def stats_page():
    """Records by category and department."""
    return render("credit/stats.html", **stats.overview(_me(), local_today()))


@bp.route("/score-models", methods=["GET", "POST"])
@requires(P.CREDIT_MANAGE)
def score_models():
    """Each subject kind's model versions; publishing a new one changes new reports only."""
    kind = request.args.get("kind", C.PERSON)
    spec = scoring.SPECS.get(kind, scoring.PERSON_SPEC)
    current = scoring.active_model(spec.kind)
    db.session.commit()
    form = F.score_model_form(current.config, request.form if request.method == "POST" else None, spec.parameters)
    general: list[str] = []
    failed = False
    if request.method == "POST":
        try:
            if not form.validate():
                raise Invalid({})
            model = scoring.publish_model(
                _me(), {k: getattr(form, k).data for k, *_ in spec.parameters}, form.note.data, spec.kind
            )
            flash(f"{spec.title}模型 v{model.version} 已启用；已出具的报告不受影响", "success")
            return redirect(url_for("credit.score_models", kind=spec.kind), 303)
        except Invalid as exc:
            general, failed = exc.attach(form), True
    return render(
        "credit/score_models.html",
        form=form,
        general=general,
        models=scoring.all_models(spec.kind),
        params=spec.parameters,
        spec=spec,
        specs=scoring.SPECS,
        status=422 if failed else 200,
    )


@bp.route("/kiosks", methods=["GET", "POST"], endpoint="kiosks")
@requires(P.KIOSK_ENROLL)
def kiosks_page():
    """Kiosk devices: register one and get its one-time enrollment link."""
    form = F.DeviceForm()
    form.account_id.choices = [(u.id, f"{u.username}（{u.display_name}）") for u in kiosks.kiosk_accounts()]
    general: list[str] = []
    link = None
    if form.validate_on_submit():
        try:
            _device, token = kiosks.create_device(
                _me(), name=form.name.data, location=form.location.data, account_id=form.account_id.data
            )
            link = public_url("kiosk.enroll", token=token)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" and link is None else 200
    return render(
        "credit/kiosks.html", form=form, general=general, devices=kiosks.devices(), link=link, status=status
    )


@bp.route("/kiosks/<int:device_id>/revoke", methods=["POST"])
@requires(P.KIOSK_ENROLL)
def kiosk_revoke(device_id: int):
    """Revoke a device."""
    device = db.get_or_404(C.KioskDevice, device_id)
    kiosks.revoke_device(_me(), device)
    flash(f"终端“{device.name}”已停用", "success")
    return redirect(url_for("credit.kiosks"), 303)


@bp.route("/kiosks/<int:device_id>/link", methods=["POST"])
@requires(P.KIOSK_ENROLL)
def kiosk_relink(device_id: int):
    """A new one-time enrollment link for a device."""
    device = db.get_or_404(C.KioskDevice, device_id)
    token = kiosks.new_enrollment_link(_me(), device)
    return render(
        "credit/kiosks.html",
        form=None,
        general=[],
        devices=kiosks.devices(),
        link=public_url("kiosk.enroll", token=token),
    )


@bp.route("/import", methods=["GET", "POST"], endpoint="import_records")
@requires(P.CREDIT_ENTER)
def import_page():
    """Upload a 双公示 file (national template, XLSX or CSV); the import runs as a job and returns rejected rows."""
    from pathlib import Path

    from flask import current_app

    from app.blueprints.credit import importer

    form = F.ImportForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            path, name = importer.check_upload(
                request.files.get("file"), Path(current_app.config["FILES_DIR"]) / "credit" / "imports"
            )
            job = start_job(
                "workers.credit.import_credit_records",
                idempotent=True, kind="credit_import",
                title=f"导入双公示{importer.TEMPLATES[form.category.data][0]}",
                owner=_me(),
                args=(_me().id, str(path), name, form.category.data),
            )
            return redirect(url_for("jobs.status", job_id=job.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
        except QueueUnavailable:
            general = ["任务队列暂不可用，请稍后重试"]
    return render(
        "credit/import.html",
        form=form,
        general=general,
        templates={k: (v[0], importer.columns_hint(k)) for k, v in importer.TEMPLATES.items()},
        status=422 if request.method == "POST" else 200,
    )
