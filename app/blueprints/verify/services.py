"""Public verification: look a report up by number, check the QR code and compare an uploaded PDF."""

from dataclasses import dataclass

from app.blueprints.credit import reports
from app.blueprints.credit.settings import setting
from app.extensions import db
from app.models import credit as C
from app.security import audit
from app.security.audit import client_address
from app.security.ratelimit import hit
from app.validation import Invalid

MAX_PDF = 10 * 1024 * 1024


@dataclass
class Verdict:
    """What the public page shows."""

    report: C.CreditReport | None
    status: str
    code_ok: bool | None = None
    file_ok: bool | None = None
    # No code given: the page asks for it and says nothing about the number, existing or not.
    needs_code: bool = False

    @property
    def disclosed(self) -> bool:
        """Whom a report is about is shown only to someone holding its code or its very file."""
        return self.report is not None and (self.code_ok is True or self.file_ok is True)

    @property
    def headline(self) -> str:
        """The one word the page leads with: a failed code or file check overrides the archive's status."""
        if self.code_ok is False:
            return "无效：校验码不符"
        if self.file_ok is False:
            return "无效：与存档不一致"
        return self.status

    @property
    def valid(self) -> bool:
        """True only for a current report whose every check that was made passed."""
        return self.headline == "有效"


def _limit() -> None:
    if not hit(f"verify:{client_address()}", setting("CREDIT_VERIFY_PER_MINUTE"), 60):
        raise Invalid("查询过于频繁，请一分钟后再试")


def check(number: str, code: str | None) -> Verdict:
    """Status of a report number and whether its code matches; without a code, nothing about the number."""
    _limit()
    if not (code or "").strip():
        return Verdict(None, "", needs_code=True)
    report = reports.find_report(number)
    if report is None:
        audit.record_now(
            "credit.report.verify",
            object_type="credit_report",
            object_id=number[:64],
            outcome="refused",
            detail="报告编号不存在",
        )
        return Verdict(None, "未找到")
    code_ok = reports.code_matches(report, code)
    if code_ok is False:
        audit.record_now(
            "credit.report.verify",
            object_type="credit_report",
            object_id=report.id,
            outcome="refused",
            detail="校验码不符",
        )
    return Verdict(report, reports.public_status(report), code_ok=code_ok)


def compare_upload(number: str, upload) -> Verdict:
    """Compare an uploaded PDF with the archived one by SHA-256."""
    _limit()
    report = reports.find_report(number)
    if report is None:
        return Verdict(None, "未找到")
    if upload is None or not upload.filename:
        raise Invalid({"pdf": "请选择要核验的 PDF 文件"})
    data = upload.read(MAX_PDF + 1)
    if len(data) > MAX_PDF:
        raise Invalid({"pdf": "文件过大（超过 10 MB），不是本系统出具的报告"})
    if not data.startswith(b"%PDF-"):
        raise Invalid({"pdf": "上传的文件不是 PDF"})
    same = reports.pdf_matches(report, data)
    audit.record(
        "credit.report.verify_file",
        report,
        outcome="ok" if same else "refused",
        detail="与存档一致" if same else "与存档不一致",
    )
    db.session.commit()
    return Verdict(report, reports.public_status(report), file_ok=same)
