"""个人信用积分: a versioned, configurable model and the explanation of each dimension's contribution."""

import copy

from app.extensions import db
from app.models import credit as C
from app.security import audit
from app.validation import Invalid

SCALE = (0, 1000)
# Every tunable number of the model: (key, label, lower bound, upper bound).
PARAMETERS = (
    ("base", "起始分", 0, 1000),
    ("basic_complete", "基础信息完整加分", 0, 200),
    ("reward_each", "每条守信激励加分", 0, 200),
    ("reward_max", "守信激励加分上限", 0, 400),
    ("penalty_normal", "每条一般行政处罚扣分", 0, 500),
    ("penalty_serious", "每条严重行政处罚扣分", 0, 800),
    ("blacklist_each", "每条失信惩戒扣分", 0, 1000),
    ("watch_each", "每条重点关注扣分", 0, 300),
    ("penalty_max", "失信惩戒/行政处罚扣分上限", 0, 1000),
    ("promise_kept", "每条已履约承诺加分", 0, 100),
    ("promise_broken", "每条未履约承诺扣分", 0, 300),
    ("promise_max", "履约加分上限", 0, 300),
    ("repair_each", "每条已完成修复加分", 0, 100),
    ("repair_max", "修复加分上限", 0, 200),
    ("grade_fair", "“一般”起点", 0, 1000),
    ("grade_good", "“良好”起点", 0, 1000),
    ("grade_great", "“优秀”起点", 0, 1000),
    ("grade_best", "“极好”起点（高于此分）", 0, 1000),
)
DEFAULT_CONFIG = {
    "base": 600,
    "basic_complete": 50,
    "reward_each": 40,
    "reward_max": 120,
    "penalty_normal": 60,
    "penalty_serious": 150,
    "blacklist_each": 250,
    "watch_each": 30,
    "penalty_max": 600,
    "promise_kept": 20,
    "promise_broken": 50,
    "promise_max": 60,
    "repair_each": 15,
    "repair_max": 30,
    "grade_fair": 550,
    "grade_good": 600,
    "grade_great": 700,
    "grade_best": 750,
}
DIMENSIONS = ("基础信息", "守信激励", "失信惩戒/行政处罚", "信用承诺履约", "信用修复")


def active_model() -> C.ScoreModel:
    """The active model; the built-in defaults become version 1 the first time one is needed."""
    model = db.session.execute(
        db.select(C.ScoreModel).where(C.ScoreModel.is_active.is_(True))
    ).scalar_one_or_none()
    if model is None:
        model = C.ScoreModel(version=1, note="默认模型", config=copy.deepcopy(DEFAULT_CONFIG), is_active=True)
        db.session.add(model)
        db.session.flush()
    return model


def all_models() -> list[C.ScoreModel]:
    """Every version, newest first."""
    return list(db.session.execute(db.select(C.ScoreModel).order_by(C.ScoreModel.version.desc())).scalars())


def grade_for(score: int, config: dict) -> str:
    """<550 待提高, 550–600 一般, 600–700 良好, 700–750 优秀, >750 极好 (with the default thresholds)."""
    if score > config["grade_best"]:
        return "极好"
    if score >= config["grade_great"]:
        return "优秀"
    if score >= config["grade_good"]:
        return "良好"
    if score >= config["grade_fair"]:
        return "一般"
    return "待提高"


def explain(subject: C.CreditSubject, records: list[C.CreditRecord], repaired: int, config: dict) -> dict:
    """Score, grade and each dimension's points with the reasons, from plain inputs."""
    dims = []
    complete = bool(subject.phone_enc and subject.address)
    dims.append(
        (
            DIMENSIONS[0],
            config["basic_complete"] if complete else 0,
            ["身份与联系信息完整" if complete else "联系电话或地址未登记，不加分"],
        )
    )
    rewards = [r for r in records if r.category == C.REDLIST]
    points = min(len(rewards) * config["reward_each"], config["reward_max"])
    dims.append(
        (
            DIMENSIONS[1],
            points,
            [f"守信激励 {len(rewards)} 条，每条 +{config['reward_each']}，上限 {config['reward_max']}"],
        )
    )
    minus, reasons = 0, []
    for label, key, pick in (
        ("一般行政处罚", "penalty_normal", lambda r: r.category == C.PENALTY and r.severity != C.SERIOUS),
        ("严重行政处罚", "penalty_serious", lambda r: r.category == C.PENALTY and r.severity == C.SERIOUS),
        ("失信惩戒", "blacklist_each", lambda r: r.category == C.BLACKLIST),
        ("重点关注", "watch_each", lambda r: r.category == C.WATCH),
    ):
        count = sum(1 for r in records if pick(r))
        if count:
            minus += count * config[key]
            reasons.append(f"{label} {count} 条，每条 −{config[key]}")
    minus = min(minus, config["penalty_max"])
    dims.append((DIMENSIONS[2], -minus, reasons or ["无公示中的处罚或惩戒记录"]))
    kept = sum(1 for r in records if r.category == C.PROMISE and r.fulfilment == "kept")
    broken = sum(1 for r in records if r.category == C.PROMISE and r.fulfilment == "broken")
    points = min(kept * config["promise_kept"], config["promise_max"]) - broken * config["promise_broken"]
    dims.append((DIMENSIONS[3], points, [f"已履约 {kept} 条，未履约 {broken} 条"]))
    points = min(repaired * config["repair_each"], config["repair_max"])
    dims.append((DIMENSIONS[4], points, [f"已完成信用修复 {repaired} 条"]))
    total = config["base"] + sum(p for _, p, _ in dims)
    score = max(SCALE[0], min(SCALE[1], total))
    return {
        "score": score,
        "grade": grade_for(score, config),
        "base": config["base"],
        "dimensions": [{"label": label, "points": p, "reasons": why} for label, p, why in dims],
    }


def repaired_count(subject_id: int) -> int:
    """Records of the subject ended early by an approved repair."""
    stmt = db.select(db.func.count(C.CreditRecord.id)).where(
        C.CreditRecord.subject_id == subject_id, C.CreditRecord.status == C.REPAIRED
    )
    return db.session.execute(stmt).scalar_one()


def publish_model(user, values: dict, note: str) -> C.ScoreModel:
    """Save a new version and make it active; earlier versions and printed reports stay unchanged."""
    errors = {}
    config = {}
    for key, label, low, high in PARAMETERS:
        value = values.get(key)
        if not isinstance(value, int) or not low <= value <= high:
            errors[key] = f"{label}应为 {low}–{high} 的整数"
        config[key] = value
    if not errors and not (
        config["grade_fair"] < config["grade_good"] < config["grade_great"] < config["grade_best"]
    ):
        errors["grade_good"] = "等级起点应逐级升高：一般 < 良好 < 优秀 < 极好"
    if errors:
        raise Invalid(errors)
    current = active_model()
    if config == current.config:
        raise Invalid("参数与当前模型相同，未生成新版本")
    current.is_active = False
    latest = db.session.execute(db.select(db.func.max(C.ScoreModel.version))).scalar_one() or 0
    model = C.ScoreModel(
        version=latest + 1, note=(note or "").strip()[:255], config=config, is_active=True, created_by=user.id
    )
    db.session.add(model)
    db.session.flush()
    diff = {k: [current.config.get(k), v] for k, v in config.items() if current.config.get(k) != v}
    audit.record(
        "credit.score_model.publish", model, changes=diff, detail=f"v{current.version} → v{model.version}"
    )
    db.session.commit()
    return model
