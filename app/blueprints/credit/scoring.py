"""Credit scores: one versioned, explained model per subject kind (自然人; 法人和非法人组织).

Order 36: a repaired record counts as if it had never been published and earns no bonus, so scores are computed
from the records public today only; the 信用修复 dimension explains that and adds nothing.
"""

import copy
from dataclasses import dataclass

from app.clock import local_today
from app.extensions import db
from app.models import credit as C
from app.security import audit
from app.validation import Invalid


@dataclass(frozen=True)
class Spec:
    """What a model kind scores on: its tunable parameters, defaults, scale and grade thresholds."""

    kind: str
    title: str
    scale: tuple[int, int]
    parameters: tuple  # (key, label, lower bound, upper bound)
    defaults: dict
    grades: tuple  # (threshold key, grade) from the highest down; below the last: `lowest`
    lowest: str


PERSON_SPEC = Spec(
    kind=C.PERSON,
    title="个人信用积分",
    scale=(0, 1000),
    parameters=(
        ("base", "起始分", 0, 1000),
        ("basic_complete", "基础信息完整加分", 0, 200),
        ("reward_each", "每条守信激励加分", 0, 200),
        ("reward_max", "守信激励加分上限", 0, 400),
        ("penalty_minor", "每条轻微失信信息扣分", 0, 300),
        ("penalty_normal", "每条一般失信信息扣分", 0, 500),
        ("penalty_serious", "每条严重失信信息扣分", 0, 800),
        ("blacklist_each", "每条严重失信主体名单扣分", 0, 1000),
        ("penalty_max", "失信信息扣分上限", 0, 1000),
        ("promise_kept", "每条已履约承诺加分", 0, 100),
        ("promise_broken", "每条未履约承诺扣分", 0, 300),
        ("promise_max", "履约加分上限", 0, 300),
        ("grade_fair", "“一般”起点", 0, 1000),
        ("grade_good", "“良好”起点", 0, 1000),
        ("grade_great", "“优秀”起点", 0, 1000),
        ("grade_best", "“极好”起点（高于此分）", 0, 1000),
    ),
    defaults={
        "base": 600, "basic_complete": 50, "reward_each": 40, "reward_max": 120, "penalty_minor": 20,
        "penalty_normal": 60, "penalty_serious": 150, "blacklist_each": 250, "penalty_max": 600,
        "promise_kept": 20, "promise_broken": 50, "promise_max": 60,
        "grade_fair": 550, "grade_good": 600, "grade_great": 700, "grade_best": 750,
    },
    grades=(("grade_best", "极好"), ("grade_great", "优秀"), ("grade_good", "良好"), ("grade_fair", "一般")),
    lowest="待提高",
)
# 公共信用综合评价 for organisations: 100-point scale, grades A/B/C/D with configurable thresholds.
ORG_SPEC = Spec(
    kind=C.ORG,
    title="法人和非法人组织公共信用综合评价",
    scale=(0, 100),
    parameters=(
        ("base", "起始分", 0, 100),
        ("basic_max", "基础信息完整度满分", 0, 30),
        ("reward_each", "每条守信激励加分", 0, 20),
        ("reward_max", "守信激励加分上限", 0, 30),
        ("penalty_minor", "每条轻微失信信息扣分", 0, 30),
        ("penalty_normal", "每条一般失信信息扣分", 0, 50),
        ("penalty_serious", "每条严重失信信息扣分", 0, 80),
        ("blacklist_each", "每条严重失信主体名单扣分", 0, 100),
        ("penalty_max", "失信信息扣分上限", 0, 100),
        ("promise_kept", "每条已履约承诺加分", 0, 10),
        ("promise_broken", "每条未履约承诺扣分", 0, 30),
        ("promise_max", "履约加分上限", 0, 30),
        ("grade_a", "A 级起点", 0, 100),
        ("grade_b", "B 级起点", 0, 100),
        ("grade_c", "C 级起点", 0, 100),
    ),
    defaults={
        "base": 70, "basic_max": 10, "reward_each": 5, "reward_max": 15, "penalty_minor": 2,
        "penalty_normal": 8, "penalty_serious": 20, "blacklist_each": 40, "penalty_max": 70,
        "promise_kept": 2, "promise_broken": 6, "promise_max": 6,
        "grade_a": 90, "grade_b": 75, "grade_c": 60,
    },
    grades=(("grade_a", "A"), ("grade_b", "B"), ("grade_c", "C")),
    lowest="D",
)
SPECS = {C.PERSON: PERSON_SPEC, C.ORG: ORG_SPEC}
# Kept for callers that name the personal model's pieces directly.
SCALE, PARAMETERS, DEFAULT_CONFIG = PERSON_SPEC.scale, PERSON_SPEC.parameters, PERSON_SPEC.defaults
DIMENSIONS = ("基础信息", "守信激励", "失信信息", "信用承诺履约", "信用修复")
ORG_BASIC_FIELDS = (("name", "名称"), ("uscc", "统一社会信用代码"), ("legal_rep_name", "法定代表人"),
                    ("address", "住所"))


def spec_for(kind: str) -> Spec:
    """The model spec of a subject kind (个体工商户 and other kinds without their own model: the org one)."""
    return SPECS.get(kind, ORG_SPEC)


def active_model(kind: str = C.PERSON) -> C.ScoreModel:
    """The active model of a kind; the built-in defaults become version 1 the first time one is needed."""
    kind = spec_for(kind).kind
    model = db.session.execute(
        db.select(C.ScoreModel).where(C.ScoreModel.kind == kind, C.ScoreModel.is_active.is_(True))
    ).scalar_one_or_none()
    if model is None:
        model = C.ScoreModel(kind=kind, version=1, note="默认模型", config=copy.deepcopy(spec_for(kind).defaults),
                             is_active=True)
        db.session.add(model)
        db.session.flush()
    return model


def model_version(kind: str, version: int) -> C.ScoreModel:
    """One stored version of a kind's model."""
    return db.session.execute(
        db.select(C.ScoreModel).where(C.ScoreModel.kind == kind, C.ScoreModel.version == version)
    ).scalar_one()


def all_models(kind: str = C.PERSON) -> list[C.ScoreModel]:
    """Every version of a kind, newest first."""
    stmt = db.select(C.ScoreModel).where(C.ScoreModel.kind == kind).order_by(C.ScoreModel.version.desc())
    return list(db.session.execute(stmt).scalars())


def _value(config: dict, spec: Spec, key: str) -> int:
    # Versions saved before a parameter existed score with that parameter's default.
    return config.get(key, spec.defaults[key])


def grade_for(score: int, config: dict, kind: str = C.PERSON) -> str:
    """The grade of a score under a config: 待提高…极好 for persons, D…A for organisations."""
    spec = spec_for(kind)
    for key, grade in spec.grades:
        threshold = _value(config, spec, key)
        if (score > threshold) if key == "grade_best" else (score >= threshold):
            return grade
    return spec.lowest


def explain(subject: C.CreditSubject, records: list[C.CreditRecord], repaired: int, config: dict) -> dict:
    """Score, grade and each dimension's points with the reasons, from plain inputs (the public records)."""
    spec = spec_for(subject.kind)
    v = lambda key: _value(config, spec, key)  # noqa: E731
    dims = [_basic(subject, spec, v)]
    rewards = [r for r in records if r.category == C.REDLIST]
    points = min(len(rewards) * v("reward_each"), v("reward_max"))
    dims.append((DIMENSIONS[1], points,
                 [f"守信激励 {len(rewards)} 条，每条 +{v('reward_each')}，上限 {v('reward_max')}"]))
    minus, reasons = 0, []
    for label, key, pick in (
        ("严重失信主体名单", "blacklist_each", lambda r: r.category == C.BLACKLIST),
        ("严重失信信息", "penalty_serious", lambda r: r.category != C.BLACKLIST and r.severity == C.SERIOUS),
        ("一般失信信息", "penalty_normal", lambda r: r.severity == C.NORMAL),
        ("轻微失信信息", "penalty_minor", lambda r: r.severity == C.MINOR),
    ):
        count = sum(1 for r in records if r.category in C.DISHONEST and pick(r))
        if count:
            minus += count * v(key)
            reasons.append(f"{label} {count} 条，每条 −{v(key)}")
    minus = min(minus, v("penalty_max"))
    dims.append((DIMENSIONS[2], -minus, reasons or ["无公示中的失信信息"]))
    kept = sum(1 for r in records if r.category == C.PROMISE and r.fulfilment == "kept")
    broken = sum(1 for r in records if r.category == C.PROMISE and r.fulfilment == "broken")
    points = min(kept * v("promise_kept"), v("promise_max")) - broken * v("promise_broken")
    dims.append((DIMENSIONS[3], points, [f"已履约 {kept} 条，未履约 {broken} 条"]))
    dims.append((DIMENSIONS[4], 0, [
        f"已完成信用修复 {repaired} 条：依《信用修复管理办法》视同未公示，不扣分也不加分" if repaired
        else "无已修复记录"]))
    total = v("base") + sum(p for _, p, _ in dims)
    score = max(spec.scale[0], min(spec.scale[1], total))
    return {
        "score": score,
        "grade": grade_for(score, config, spec.kind),
        "base": v("base"),
        "kind": spec.kind,
        "title": spec.title,
        "scale": spec.scale,
        "dimensions": [{"label": label, "points": p, "reasons": why} for label, p, why in dims],
    }


def _basic(subject: C.CreditSubject, spec: Spec, v) -> tuple:
    if spec.kind == C.PERSON:
        complete = bool(subject.phone_enc and subject.address)
        return (DIMENSIONS[0], v("basic_complete") if complete else 0,
                ["身份与联系信息完整" if complete else "联系电话或地址未登记，不加分"])
    filled = [label for field, label in ORG_BASIC_FIELDS if getattr(subject, field, None)]
    points = v("basic_max") * len(filled) // len(ORG_BASIC_FIELDS)
    missing = [label for field, label in ORG_BASIC_FIELDS if not getattr(subject, field, None)]
    return (DIMENSIONS[0], points, [f"基础信息完整度 {len(filled)}/{len(ORG_BASIC_FIELDS)}"
                                    + (f"，缺{'、'.join(missing)}" if missing else "")])


def repaired_count(subject_id: int) -> int:
    """Records of the subject ended early by an approved repair."""
    stmt = db.select(db.func.count(C.CreditRecord.id)).where(
        C.CreditRecord.subject_id == subject_id, C.CreditRecord.status == C.REPAIRED
    )
    return db.session.execute(stmt).scalar_one()


def evaluate(subject: C.CreditSubject, today=None, model: C.ScoreModel | None = None) -> tuple[C.ScoreModel, dict]:
    """The subject's model (by kind) and its explained score from the records public on `today`."""
    from app.blueprints.credit.services import public_records

    today = today or local_today()
    model = model or active_model(subject.kind)
    return model, explain(subject, public_records(subject.id, today), repaired_count(subject.id), model.config)


def publish_model(user, values: dict, note: str, kind: str = C.PERSON) -> C.ScoreModel:
    """Save a new version of a kind's model and make it active; earlier versions and printed reports stay."""
    spec = spec_for(kind)
    errors = {}
    config = {}
    for key, label, low, high in spec.parameters:
        value = values.get(key)
        if not isinstance(value, int) or not low <= value <= high:
            errors[key] = f"{label}应为 {low}–{high} 的整数"
        config[key] = value
    if not errors:
        thresholds = [config[key] for key, _grade in spec.grades]
        if any(a <= b for a, b in zip(thresholds, thresholds[1:])):
            first = spec.grades[-1][0]
            errors[first] = "等级起点应逐级升高：" + " > ".join(g for _k, g in spec.grades)
    if errors:
        raise Invalid(errors)
    current = active_model(spec.kind)
    if config == current.config:
        raise Invalid("参数与当前模型相同，未生成新版本")
    current.is_active = False
    latest = db.session.execute(
        db.select(db.func.max(C.ScoreModel.version)).where(C.ScoreModel.kind == spec.kind)
    ).scalar_one() or 0
    model = C.ScoreModel(kind=spec.kind, version=latest + 1, note=(note or "").strip()[:255], config=config,
                         is_active=True, created_by=user.id)
    db.session.add(model)
    db.session.flush()
    diff = {k: [current.config.get(k), v] for k, v in config.items() if current.config.get(k) != v}
    audit.record(
        "credit.score_model.publish", model, changes=diff,
        detail=f"{spec.title} v{current.version} → v{model.version}",
    )
    db.session.commit()
    return model
