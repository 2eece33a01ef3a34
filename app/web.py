"""HTMX decisions in one place: page or fragment, and the template helpers pages use."""
from flask import flash, make_response, redirect, render_template, request

from app.clock import to_local


def wants_fragment() -> bool:
    """An htmx request that is neither a boosted navigation nor a history restore wants a fragment."""
    headers = getattr(request, "htmx", None)
    return bool(headers) and not headers.boosted and not headers.history_restore_request


def render(page: str, fragment: str | None = None, status: int = 200, **context):
    """Render the fragment alone for htmx, else the full page that includes it; always Vary on HX-Request."""
    template = fragment if fragment and wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def attempt(action, success: str, target_url: str):
    """Run a service call, flash its success or its Chinese refusal, and redirect (303) to target_url."""
    from app.validation import Invalid

    try:
        action()
        flash(success, "success")
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(target_url, 303)


def page_args(default_size: int, max_size: int) -> tuple[int, int]:
    """Page number and size from the query string, with the size capped."""
    page = request.args.get("page", 1, type=int) or 1
    size = request.args.get("size", default_size, type=int) or default_size
    return max(page, 1), max(1, min(size, max_size))


def _datetime(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(value)
    return local.strftime(fmt) if local else ""


def init_app(app) -> None:
    """Template filters and globals."""
    app.add_template_filter(_datetime, "dt")
