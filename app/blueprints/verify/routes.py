"""Public verification pages (no login): by number and QR code, or by uploading the PDF."""

from flask import redirect, request, url_for
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import DataRequired, Regexp

from app.blueprints.verify import bp, services
from app.forms import PortalForm
from app.validation import Invalid
from app.web import render


class LookupForm(PortalForm):
    """A report number and its verification code, typed by hand from the paper."""

    number = StringField(
        "报告编号",
        validators=[DataRequired("请输入报告编号"), Regexp(r"^\d{8,20}$", message="报告编号为 13 位数字")],
    )
    code = StringField(
        "校验码",
        validators=[DataRequired("请输入报告上印的校验码"),
                    Regexp(r"^[0-9a-fA-F]{8,64}$", message="校验码为报告二维码下方的字母数字串")],
    )


class UploadForm(PortalForm):
    """The PDF to compare with the archive."""

    pdf = FileField("报告 PDF 文件")


@bp.route("/", methods=["GET", "POST"])
def lookup():
    """Enter a report number."""
    form = LookupForm()
    if form.validate_on_submit():
        return redirect(url_for("verify.report", number=form.number.data.strip(), c=form.code.data.strip()), 303)
    return render("verify/lookup.html", form=form, status=422 if request.method == "POST" else 200)


@bp.route("/<number>", methods=["GET", "POST"])
def report(number: str):
    """Status of one report; a POST compares an uploaded PDF by hash."""
    form = UploadForm()
    general: list[str] = []
    verdict = None
    status = 200
    try:
        if request.method == "POST":
            verdict = services.compare_upload(number, request.files.get("pdf"))
        else:
            verdict = services.check(number, request.args.get("c"))
    except Invalid as exc:
        general = exc.attach(form)
        status = 429 if "频繁" in str(exc) else 422
    if verdict is not None and verdict.report is None and not verdict.needs_code:
        status = 404
    return render(
        "verify/report.html", form=form, verdict=verdict, number=number[:32], general=general, status=status
    )
