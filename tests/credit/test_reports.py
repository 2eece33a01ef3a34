"""Report PDF content, font, numbering, score versions, verification (good, tampered, expired, revoked)."""

import io
import re
from datetime import timedelta

from pypdf import PdfReader

from app.blueprints.credit import reports, scoring
from app.clock import utcnow
from app.extensions import db
from app.models import credit as C
from app.models.audit import AuditLog
from tests.conftest import body, login, post
from tests.credit.helpers import subject_by_name
from workers.queues import drain


def _issue(client, app, name="青禾县清溪食品有限公司") -> C.CreditReport:
    subject = subject_by_name(name)
    response = post(client, f"/credit/subjects/{subject.id}/reports")
    assert response.status_code == 303
    drain(app)
    db.session.expire_all()
    report_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    return db.session.get(C.CreditReport, report_id)


def _pdf_text(path) -> tuple[str, PdfReader]:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_report_pdf_has_sections_subject_and_font(demo, client, app):
    login(client, "credit")
    report = _issue(client, app, "王海涛")
    assert report.state == "ready" and len(report.pdf_sha256) == 64
    assert re.fullmatch(r"\d{13}", report.number)
    text, reader = _pdf_text(report.pdf_path)
    flat = re.sub(r"\s+", "", text)
    for section in (
        "公共信用信息报告",
        "报告说明",
        "基础信息",
        "行政许可",
        "行政处罚",
        "守信激励",
        "严重失信主体名单信息",
        "异常名录信息",
        "信用承诺及履约",
        "信用评价",
        "异议与修复",
    ):
        assert section in flat, section
    assert "王海涛" in flat and report.number in flat
    assert "青交许〔2026〕9号" in flat
    assert "112号" not in flat  # the expired 2024 penalty is outside its window
    assert f"第1页/共{len(reader.pages)}页" in flat
    assert "3301**********3455" in flat and "330127197811203455" not in flat
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object().get("/FontDescriptor")
            if descriptor is None:
                for child in font.get_object().get("/DescendantFonts", []):
                    descriptor = child.get_object().get("/FontDescriptor")
            fonts.add(
                (
                    str(font.get_object()["/BaseFont"]),
                    bool(
                        descriptor and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                    ),
                )
            )
    assert any("WenQuanYi" in name and embedded for name, embedded in fonts), fonts
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "credit.report.issue")).first()


def test_empty_sections_say_none_and_objection_is_marked(demo, client, app):
    login(client, "credit")
    report = _issue(client, app, "林晓红")
    flat = re.sub(r"\s+", "", _pdf_text(report.pdf_path)[0])
    assert "异议处理中" in flat and "无" in flat


def test_numbers_are_unique_per_day(demo, client, app):
    login(client, "credit")
    first, second = _issue(client, app), _issue(client, app, "陈志明")
    assert first.number[:8] == second.number[:8] and int(second.number) == int(first.number) + 1


def test_new_score_model_never_rewrites_old_reports(demo, client, app):
    login(client, "credit")
    old = _issue(client, app)
    assert old.model_version == 1
    values = dict(scoring.ORG_SPEC.defaults, penalty_serious=30)
    form = {k: str(v) for k, v in values.items()}
    form["note"] = "加重严重失信扣分"
    assert post(client, "/credit/score-models?kind=org", form).status_code == 303
    new = _issue(client, app)
    db.session.expire_all()
    old = db.session.get(C.CreditReport, old.id)
    assert new.model_version == 2 and new.score == old.score - 10 and old.model_version == 1
    assert new.model_kind == old.model_kind == "org"
    assert scoring.active_model("person").version == 1  # the personal model is versioned on its own
    same = post(client, "/credit/score-models?kind=org", form)
    assert same.status_code == 422 and "未生成新版本" in body(same)
    bad = post(client, "/credit/score-models?kind=org", dict(form, grade_b="95", note="错"))
    assert bad.status_code == 422 and "逐级升高" in body(bad)
    row = db.session.execute(
        db.select(AuditLog).where(AuditLog.action == "credit.score_model.publish")
    ).scalar_one()
    assert row.changes["penalty_serious"] == [20, 30]


def test_score_explanation_adds_up(demo):
    subject = subject_by_name("林晓红")
    from app.blueprints.credit.services import public_records

    result = scoring.explain(subject, public_records(subject.id), 0, scoring.DEFAULT_CONFIG)
    assert result["score"] == 600 + sum(d["points"] for d in result["dimensions"])
    labels = [d["label"] for d in result["dimensions"]]
    assert labels == ["基础信息", "守信激励", "失信信息", "信用承诺履约", "信用修复"]
    assert result["score"] == 600 + 50 - 60 and result["grade"] == "一般"
    assert scoring.grade_for(760, scoring.DEFAULT_CONFIG) == "极好"
    assert scoring.grade_for(700, scoring.DEFAULT_CONFIG) == "优秀"
    assert scoring.grade_for(549, scoring.DEFAULT_CONFIG) == "待提高"


def test_verification_good_tampered_expired_revoked(demo, client, app):
    login(client, "credit")
    report = _issue(client, app)
    code = reports.verify_code(report.number, report.content_sha256)
    public = app.test_client()
    good = public.get(f"/verify/{report.number}?c={code}")
    assert good.status_code == 200 and "有效" in body(good) and "二维码校验通过" in body(good)
    assert "青禾县清溪食品有限公司" not in body(good) and report.masked_name in body(good)
    forged = code[:-1] + ("1" if code[-1] == "0" else "0")  # always differs from the real code
    tampered = public.get(f"/verify/{report.number}?c={forged}")
    assert "校验码不符" in body(tampered)
    made_up = public.get("/verify/2026010199999?c=abc")
    assert made_up.status_code == 404 and "未找到" in body(made_up)

    original = open(report.pdf_path, "rb").read()
    same = post(
        public,
        f"/verify/{report.number}",
        {"pdf": (io.BytesIO(original), "r.pdf")},
        content_type="multipart/form-data",
    )
    assert "与存档一致" in body(same)
    changed = original[:2000] + bytes([original[2000] ^ 1]) + original[2001:]
    other = post(
        public,
        f"/verify/{report.number}",
        {"pdf": (io.BytesIO(changed), "r.pdf")},
        content_type="multipart/form-data",
    )
    assert "与存档不一致" in body(other)

    report = db.session.get(C.CreditReport, report.id)
    report.valid_until = utcnow() - timedelta(days=1)
    db.session.commit()
    assert "已过期" in body(public.get(f"/verify/{report.number}?c={code}"))
    revoke = post(client, f"/credit/reports/{report.id}/revoke", {"reason": "信息有误"})
    assert revoke.status_code == 303
    assert "已撤销" in body(public.get(f"/verify/{report.number}?c={code}"))


def test_qr_code_in_pdf_points_to_verification(demo, client, app):
    from workers.credit import build_report_pdf

    login(client, "credit")
    report = _issue(client, app)
    app.config["PUBLIC_URL"] = "http://portal.example/xz"  # a path prefix behind the proxy is kept
    _pdf, meta = build_report_pdf(report.id)
    assert meta["url"] == (
        f"http://portal.example/xz/verify/{report.number}?c="
        f"{reports.verify_code(report.number, report.content_sha256)}"
    )


def test_verification_is_rate_limited(demo, client, app):
    app.config["CREDIT_VERIFY_PER_MINUTE"] = 3
    public = app.test_client()
    codes = [public.get("/verify/2026010100001?c=abcdef12").status_code for _ in range(4)]
    assert codes[:3] == [404, 404, 404] and codes[3] == 429


def test_refusing_fetcher_blocks_files_and_network():
    from app.blueprints.credit.pdf import RefusingFetcher

    fetcher = RefusingFetcher()
    for url in ("file:///etc/passwd", "http://example.com/a.png", "https://example.com/x.css"):
        try:
            fetcher.fetch(url)
            raise AssertionError(url)
        except ValueError:
            pass
    assert len(fetcher.refused) == 3


def test_reprint_same_number_is_audited(demo, client, app):
    login(client, "credit")
    report = _issue(client, app)
    first = client.get(f"/credit/reports/{report.id}/pdf")
    assert first.status_code == 200 and first.data[:5] == b"%PDF-"
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "credit.report.reprint")).first()


def test_number_clash_is_retried(demo, client, app, monkeypatch):
    login(client, "credit")
    first = _issue(client, app)
    real = reports._next_number
    calls = []

    def clashing(issued, resync=False):
        calls.append(1)
        return first.number if len(calls) == 1 else real(issued, resync)

    monkeypatch.setattr(reports, "_next_number", clashing)
    second = reports.create_report(subject_by_name("陈志明"), channel="staff")
    assert second.number != first.number and len(calls) == 2


def test_counter_resyncs_after_redis_loses_it(demo, client, app):
    from workers.queues import redis_connection

    login(client, "credit")
    first = _issue(client, app)
    redis_connection(app).flushdb()
    second = reports.create_report(subject_by_name("陈志明"), channel="staff")
    assert int(second.number) == int(first.number) + 1
