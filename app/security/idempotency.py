"""Retry-safe POSTs: each form carries a key; a repeated key replays the first outcome."""
import re
import uuid

from flask import abort, flash, g, make_response, redirect, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.idempotency import COMPLETED, RequestKey
from app.security import pii

FIELD = "_idem"
HEADER = "Idempotency-Key"
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Anonymous forms (login) cannot be replayed per user; their key is still checked for shape.
EXEMPT_ENDPOINTS = {"auth.login"}
MAX_STORED_BODY = 64 * 1024


def new_key() -> str:
    """A fresh key for one rendering of a form."""
    return uuid.uuid4().hex


def form_guard() -> Markup:
    """Hidden inputs every POST form needs: the CSRF token and a fresh idempotency key."""
    from flask_wtf.csrf import generate_csrf

    return Markup(
        f'<input type="hidden" name="csrf_token" value="{generate_csrf()}">'
        f'<input type="hidden" name="{FIELD}" value="{new_key()}">'
    )


def _request_key() -> str | None:
    return request.form.get(FIELD) or request.headers.get(HEADER)


def _replay(row: RequestKey):
    if row.state != COMPLETED:
        abort(409)
    if row.location:
        flash("该表单已提交过，未重复处理", "info")
        response = redirect(row.location, 303)
    else:
        response = make_response(pii.decrypt(row.body) or "", row.status_code or 200)
    response.headers["Idempotent-Replay"] = "true"
    return response


def claim():
    """Before a POST: record the key, or answer with the first outcome when it was seen before."""
    if request.method != "POST" or request.endpoint in EXEMPT_ENDPOINTS or request.endpoint is None:
        return None
    key = _request_key()
    if not key or not _KEY_RE.match(key):
        abort(400, description="表单缺少提交标识，请刷新页面后重新提交")
    if not current_user.is_authenticated:
        return None
    owner = f"user:{current_user.id}"
    row = RequestKey(owner=owner, key=key, endpoint=request.endpoint or "")
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        first = db.session.execute(
            db.select(RequestKey).where(RequestKey.owner == owner, RequestKey.key == key)
        ).scalar_one()
        return _replay(first)
    g.request_key_id = row.id
    return None


def settle(response):
    """After a POST: keep the outcome of a success; release the key after a failure so it can be retried."""
    key_id = g.pop("request_key_id", None)
    if key_id is None:
        return response
    db.session.rollback()
    row = db.session.get(RequestKey, key_id)
    if row is None:
        return response
    if 200 <= response.status_code < 400:
        row.state = COMPLETED
        row.status_code = response.status_code
        row.location = response.headers.get("Location") or response.headers.get("HX-Redirect")
        if not row.location and not response.direct_passthrough:
            body = response.get_data(as_text=True)
            # The replayed page may show revealed ID numbers or phones: it is kept encrypted like them.
            row.body = pii.encrypt(body) if len(body) <= MAX_STORED_BODY else ""
    else:
        db.session.delete(row)
    db.session.commit()
    return response


def init_app(app) -> None:
    """Hook the claim before and the settle after every request."""
    app.before_request(claim)
    app.after_request(settle)
    app.add_template_global(form_guard)
    app.add_template_global(new_key)
