"""Scores per subject kind: the personal model stays; organisations have their own versioned model with
configurable A/B/C/D grades, and every page and report prints the right one."""

import re

from app.blueprints.credit import scoring
from app.extensions import db
from app.models import credit as C
from tests.conftest import body, login, post
from tests.credit.helpers import subject_by_name
from workers.queues import drain


def test_company_is_scored_with_the_organisation_model(demo):
    food = subject_by_name("青禾县清溪食品有限公司")
    model, result = scoring.evaluate(food)
    assert model.kind == "org" and result["title"] == "法人和非法人组织公共信用综合评价"
    points = {d["label"]: d["points"] for d in result["dimensions"]}
    # 70 base + 10 complete basic information − 20 (严重 penalty) − 8 (一般 other 失信) = 52 → D
    assert points == {"基础信息": 10, "守信激励": 0, "失信信息": -28, "信用承诺履约": 0, "信用修复": 0}
    assert result["score"] == 52 and result["grade"] == "D"
    tea = subject_by_name("青禾县桃源村茶叶专业合作社")
    assert scoring.evaluate(tea)[1]["score"] == 70 + 10 + 5 - 8 and scoring.evaluate(tea)[1]["grade"] == "B"
    person = scoring.evaluate(subject_by_name("陈志明"))
    assert person[0].kind == "person" and person[1]["score"] == 600 + 50 + 40 + 20


def test_basic_information_completeness_counts_fields(demo):
    food = subject_by_name("青禾县清溪食品有限公司")
    food.address = ""
    result = scoring.explain(food, [], 0, scoring.ORG_SPEC.defaults)
    assert result["dimensions"][0]["points"] == 7 and "缺住所" in result["dimensions"][0]["reasons"][0]


def test_org_grades_are_configurable(demo, client):
    login(client, "credit")
    page = body(client.get("/credit/score-models?kind=org"))
    assert "A 级起点" in page and "法人和非法人组织公共信用综合评价" in page
    form = {k: str(v) for k, v in dict(scoring.ORG_SPEC.defaults, grade_c=50).items()}
    form["note"] = "D 级线下调"
    assert post(client, "/credit/score-models?kind=org", form).status_code == 303
    db.session.expire_all()
    food = subject_by_name("青禾县清溪食品有限公司")
    model, result = scoring.evaluate(food)
    assert model.version == 2 and result["grade"] == "C"
    assert scoring.grade_for(90, model.config, "org") == "A" and scoring.grade_for(89, model.config, "org") == "B"


def test_report_and_subject_page_print_the_right_model(demo, client, app):
    login(client, "credit")
    food = subject_by_name("青禾县清溪食品有限公司")
    page = body(client.get(f"/credit/subjects/{food.id}"))
    assert "法人和非法人组织公共信用综合评价" in page and "等级 D" in page
    response = post(client, f"/credit/subjects/{food.id}/reports")
    drain(app)
    db.session.expire_all()
    report = db.session.get(C.CreditReport, int(response.headers["Location"].rsplit("/", 1)[-1]))
    assert (report.model_kind, report.score, report.grade) == ("org", 52, "D")
    from pypdf import PdfReader

    flat = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(report.pdf_path).pages))
    assert "法人和非法人组织公共信用综合评价：52分（满分100）·等级：D" in flat
    assert "处罚类别" in flat and "罚款金额（万元）" in flat and "许可有效期" in flat
