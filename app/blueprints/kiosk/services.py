"""Kiosk devices (enrollment link, signed cookie, revocation) and identification by one-time SMS code."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, request, session
from itsdangerous import BadSignature, URLSafeSerializer

from app.blueprints.credit.services import parse_uscc
from app.blueprints.credit.settings import setting
from app.channels import send_sms
from app.clock import utcnow
from app.extensions import db
from app.models import credit as C
from app.models.user import User
from app.security import audit, pii
from app.security import permissions as P
from app.security.ratelimit import hit
from app.validation import Invalid

COOKIE = "portal_kiosk_device"
COOKIE_AGE = 5 * 365 * 24 * 3600
ENROLL_HOURS = 24
SESSION_KEY = "kiosk"
IDLE_SECONDS = 120
NOT_FOUND = "未找到与所填信息一致的信用主体，请核对后重试"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kiosk-device")


# --- devices ----------------------------------------------------------------------------------------------


def devices() -> list[C.KioskDevice]:
    """Every device, newest first."""
    return list(db.session.execute(db.select(C.KioskDevice).order_by(C.KioskDevice.id.desc())).scalars())


def kiosk_accounts() -> list[User]:
    """Enabled kiosk-role accounts a device can act as."""
    stmt = db.select(User).where(User.role == P.KIOSK, User.is_enabled.is_(True)).order_by(User.username)
    return list(db.session.execute(stmt).scalars())


def create_device(user, *, name: str, location: str, account_id: int) -> tuple[C.KioskDevice, str]:
    """Register a device and return the one-time enrollment token (shown once, valid 24 hours)."""
    name = (name or "").strip()
    account = db.session.get(User, account_id)
    errors = {}
    if not name:
        errors["name"] = "请输入终端名称"
    if account is None or account.role != P.KIOSK:
        errors["account_id"] = "请选择一个自助终端角色的账号"
    if errors:
        raise Invalid(errors)
    token = secrets.token_urlsafe(24)
    device = C.KioskDevice(
        name=name[:64],
        location=(location or "").strip()[:128],
        account_id=account.id,
        enroll_token_hash=_hash(token),
        enroll_expires_at=utcnow() + timedelta(hours=ENROLL_HOURS),
    )
    db.session.add(device)
    db.session.flush()
    audit.record(
        "kiosk.device.create", device, changes={"name": [None, device.name], "account_id": [None, account.id]}
    )
    db.session.commit()
    return device, token


def new_enrollment_link(user, device: C.KioskDevice) -> str:
    """A fresh one-time token for a device (re-enrollment after a reinstall); the old cookie stops working."""
    token = secrets.token_urlsafe(24)
    device.enroll_token_hash, device.enroll_expires_at = (
        _hash(token),
        utcnow() + timedelta(hours=ENROLL_HOURS),
    )
    device.secret_hash, device.enrolled_at, device.revoked_at = None, None, None
    audit.record("kiosk.device.relink", device)
    db.session.commit()
    return token


def enroll(token: str) -> tuple[C.KioskDevice, str]:
    """Use a one-time token: returns the device and the signed cookie value; the token is spent."""
    device = db.session.execute(
        db.select(C.KioskDevice).where(C.KioskDevice.enroll_token_hash == _hash(token or ""))
    ).scalar_one_or_none()
    if (
        device is None
        or device.revoked_at
        or device.enroll_expires_at is None
        or device.enroll_expires_at < utcnow()
    ):
        audit.record_now(
            "kiosk.enroll", object_type="kiosk_device", outcome="refused", detail="无效或过期的登记链接"
        )
        raise Invalid("登记链接无效或已过期，请联系管理员重新生成")
    secret = secrets.token_urlsafe(32)
    device.secret_hash, device.enrolled_at = _hash(secret), utcnow()
    device.enroll_token_hash, device.enroll_expires_at = None, None
    audit.record("kiosk.enroll", device, actor=db.session.get(User, device.account_id))
    db.session.commit()
    return device, _serializer().dumps({"d": device.id, "s": secret})


def revoke_device(user, device: C.KioskDevice) -> C.KioskDevice:
    """Stop a device at once: its cookie is refused from the next request."""
    before = audit.snapshot(device, ("revoked_at",))
    device.revoked_at, device.secret_hash, device.enroll_token_hash = utcnow(), None, None
    audit.record("kiosk.device.revoke", device, changes=audit.changed(before, device))
    db.session.commit()
    return device


def current_device() -> C.KioskDevice | None:
    """The enrolled, unrevoked device this request comes from, or None."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        value = _serializer().loads(raw)
        device = db.session.get(C.KioskDevice, int(value["d"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if device is None or device.revoked_at or not device.secret_hash:
        return None
    if not hmac.compare_digest(device.secret_hash, _hash(str(value.get("s", "")))):
        return None
    return device


def device_account(device: C.KioskDevice) -> User:
    """The kiosk account the device acts as."""
    return db.session.get(User, device.account_id)


# --- the citizen's session on a device --------------------------------------------------------------------


def kiosk_subject(device: C.KioskDevice) -> C.CreditSubject | None:
    """The identified subject of this device's current session (2 minutes idle ends it)."""
    state = session.get(SESSION_KEY) or {}
    now = utcnow().timestamp()
    if (
        state.get("device") != device.id
        or not state.get("subject")
        or now - state.get("at", 0) > IDLE_SECONDS
    ):
        return None
    state["at"] = now
    session[SESSION_KEY] = state
    return db.session.get(C.CreditSubject, state["subject"])


def reset_session() -> None:
    """Forget whoever used the terminal."""
    for key in (SESSION_KEY, "kiosk_pending", "kiosk_print"):
        session.pop(key, None)


def identify(
    device: C.KioskDevice, *, kind: str, name: str, number: str, rep_name: str = "", rep_id: str = ""
) -> C.OneTimeCode:
    """Match the typed details to a subject and send a code to the phone on record."""
    actor = device_account(device)
    if not hit(f"kiosk-device:{device.id}", setting("CREDIT_KIOSK_QUERIES_PER_HOUR"), 3600):
        audit.record_now(
            "kiosk.identify",
            object_type="kiosk_device",
            object_id=device.id,
            actor=actor,
            outcome="refused",
            detail="终端查询过于频繁",
        )
        raise Invalid("本终端查询次数过多，请稍后再试")
    name = (name or "").strip()
    if kind == C.PERSON:
        number = pii.parse_id_number(number, "number").number
        subject = db.session.execute(
            db.select(C.CreditSubject).where(
                C.CreditSubject.kind == C.PERSON, C.CreditSubject.id_number_hash == pii.blind_index(number)
            )
        ).scalar_one_or_none()
        matches = subject is not None and subject.name == name
    elif kind == C.ORG:
        code = parse_uscc(number, "number")
        rep = pii.parse_id_number(rep_id, "rep_id").number
        subject = db.session.execute(
            db.select(C.CreditSubject).where(C.CreditSubject.kind.in_(C.CODED_KINDS), C.CreditSubject.uscc == code)
        ).scalar_one_or_none()
        matches = (
            subject is not None
            and subject.legal_rep_name == (rep_name or "").strip()
            and subject.legal_rep_id_hash == pii.blind_index(rep)
        )
    else:
        raise Invalid("请选择个人或企业")
    if not matches or not subject.phone_enc:
        audit.record_now(
            "kiosk.identify",
            object_type="credit_subject",
            object_id=subject.id if subject else "",
            actor=actor,
            outcome="refused",
            detail=f"终端 {device.id}：信息不符",
        )
        raise Invalid(NOT_FOUND)
    if not hit(f"kiosk-subject:{subject.id}", setting("CREDIT_SUBJECT_CODES_PER_HOUR"), 3600):
        audit.record_now(
            "kiosk.identify",
            object_type="credit_subject",
            object_id=subject.id,
            actor=actor,
            outcome="refused",
            detail=f"终端 {device.id}：验证码发送过于频繁",
        )
        raise Invalid("该主体验证码请求过于频繁，请一小时后再试")
    code = f"{secrets.randbelow(10**6):06d}"
    otc = C.OneTimeCode(
        device_id=device.id,
        subject_id=subject.id,
        code_hash=_hash(f"{subject.id}:{code}"),
        expires_at=utcnow() + timedelta(minutes=setting("CREDIT_CODE_MINUTES")),
    )
    db.session.add(otc)
    db.session.flush()
    audit.record("kiosk.code.send", otc, actor=actor, detail=f"终端 {device.id}，主体 {subject.id}")
    phone = pii.decrypt(subject.phone_enc)
    send_sms(
        phone,
        f"【青禾县信用】您的自助终端验证码为 {code}，"
        f"{setting('CREDIT_CODE_MINUTES')} 分钟内有效，请勿告诉他人。",
        secret=code,
    )
    db.session.commit()
    session["kiosk_pending"] = {"device": device.id, "code": otc.id, "phone": pii.mask_phone(phone)}
    return otc


def _spend_try(code_id: int, limit: int) -> int | None:
    """Count one comparison in a single UPDATE … RETURNING; None once the tries are used up.

    Parallel guesses each take their own try, so no more than `limit` codes are ever compared."""
    stmt = (
        db.update(C.OneTimeCode)
        .where(C.OneTimeCode.id == code_id, C.OneTimeCode.tries < limit, C.OneTimeCode.used_at.is_(None))
        .values(tries=C.OneTimeCode.tries + 1)
        .returning(C.OneTimeCode.tries)
        .execution_options(synchronize_session=False)
    )
    tries = db.session.execute(stmt).scalar_one_or_none()
    db.session.commit()
    return tries


def _mark_used(code_id: int) -> bool:
    """Spend the code once: of two right answers at the same moment only one identifies."""
    stmt = (
        db.update(C.OneTimeCode)
        .where(C.OneTimeCode.id == code_id, C.OneTimeCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).rowcount == 1


def check_code(device: C.KioskDevice, code: str) -> C.CreditSubject:
    """Verify the code of the pending identification; five tries, five minutes."""
    actor = device_account(device)
    pending = session.get("kiosk_pending") or {}
    otc = (
        db.session.get(C.OneTimeCode, pending.get("code") or 0)
        if pending.get("device") == device.id
        else None
    )
    if otc is None or otc.device_id != device.id or otc.used_at:
        raise Invalid("请先填写身份信息获取验证码")

    def refuse(detail: str, message: str):
        audit.record_now("kiosk.code.check", object_type="credit_one_time_code", object_id=otc.id, actor=actor,
                         outcome="refused", detail=detail)
        raise Invalid({"code": message})

    if otc.expires_at < utcnow():
        refuse("验证码已过期", "验证码已过期，请重新获取")
    limit = setting("CREDIT_CODE_TRIES")
    tries = _spend_try(otc.id, limit)
    if tries is None:
        refuse("验证码错误次数已用完", "验证码错误次数过多，请重新获取")
    if not hmac.compare_digest(otc.code_hash, _hash(f"{otc.subject_id}:{(code or '').strip()}")):
        left = limit - tries
        audit.record(
            "kiosk.code.check", otc, actor=actor, outcome="refused", detail=f"验证码错误，剩余 {left} 次"
        )
        db.session.commit()
        raise Invalid(
            {"code": f"验证码不正确，还可尝试 {left} 次" if left > 0 else "验证码错误次数过多，请重新获取"}
        )
    if not _mark_used(otc.id):
        raise Invalid("请先填写身份信息获取验证码")
    subject = db.session.get(C.CreditSubject, otc.subject_id)
    audit.record(
        "kiosk.identify", subject, actor=actor, detail=f"终端 {device.id}（{device.name}）身份核验通过"
    )
    db.session.commit()
    session.pop("kiosk_pending", None)
    session[SESSION_KEY] = {"device": device.id, "subject": subject.id, "at": utcnow().timestamp()}
    return subject
