"""Admin pages: quarantined mail (reason, download, replay) and outbox failures."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from caredesk.accounts.models import Role, User
from caredesk.channels.email import selectors
from caredesk.channels.email.actions import do_replay
from caredesk.channels.email.models import RawMessage, RawState
from caredesk.channels.email.parsing import header_block
from caredesk.core.clock import now as clock_now
from caredesk.core.errors import DomainError

View = Callable[..., HttpResponse]
STATES = [RawState.QUARANTINED, RawState.STORED, RawState.BOUNCE, RawState.DUPLICATE]


def admin_only(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        assert isinstance(user, User)
        if not user.is_agent_staff or user.role != Role.ADMIN:
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@admin_only
def quarantine_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", RawState.QUARANTINED)
    if state not in STATES:
        state = RawState.QUARANTINED
    page = Paginator(selectors.quarantined(state), 50).get_page(request.GET.get("page"))
    counts = selectors.state_counts()
    return render(
        request,
        "email/quarantine_list.html",
        {
            "page": page,
            "state": state,
            "states": [(s, RawState(s).label, counts.get(s, 0)) for s in STATES],
            "nav": "quarantine",
        },
    )


def _get_raw(raw_id: int) -> RawMessage:
    raw = RawMessage.objects.select_related("mailbox", "ticket").filter(pk=raw_id).first()
    if raw is None:
        raise Http404("Not found")
    return raw


@require_GET
@admin_only
def quarantine_detail(request: HttpRequest, raw_id: int) -> HttpResponse:
    raw = _get_raw(raw_id)
    headers = header_block(bytes(raw.raw), 16 * 1024).decode("utf-8", "replace")
    return render(
        request,
        "email/quarantine_detail.html",
        {"raw": raw, "headers": headers, "nav": "quarantine"},
    )


@require_GET
@admin_only
def quarantine_download(request: HttpRequest, raw_id: int) -> HttpResponse:
    raw = _get_raw(raw_id)
    response = HttpResponse(bytes(raw.raw), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="message-{raw.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@admin_only
def quarantine_replay(request: HttpRequest, raw_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        state = do_replay(raw_id, actor=user, now=clock_now())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("email:quarantine_detail", raw_id=raw_id)
    raw = _get_raw(raw_id)
    if state == RawState.QUARANTINED:
        messages.error(
            request, _("Replayed, and quarantined again: %(error)s") % {"error": raw.error}
        )
        return redirect("email:quarantine_detail", raw_id=raw_id)
    label = RawState(state).label if state in RawState.values else state
    messages.success(request, _("Replayed: %(outcome)s.") % {"outcome": label})
    return redirect("email:quarantine_list")


@require_GET
@admin_only
def outbox_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.outbox_problems(), 50).get_page(request.GET.get("page"))
    return render(request, "email/outbox_list.html", {"page": page, "nav": "outbox"})
