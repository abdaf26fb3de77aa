"""The notification center: one's notices, newest first; mark read; the top-bar badge;
and the notification preferences on the Account page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.core import actions as core_actions
from caredesk.core import notifications
from caredesk.core.clock import now
from caredesk.core.errors import DomainError
from caredesk.core.http import check_pk
from caredesk.core.models import Notification
from caredesk.workspace.account_views import render_account

PAGE_SIZE = 25
MAX_PAGE = 10_000
CENTER_URL = "/notifications/"


@dataclass(frozen=True)
class View:
    kind: str
    unread: bool
    page: int

    @classmethod
    def of(cls, data: Any) -> tuple[View, str]:
        """The list's filters from GET or POST data, and an error for what was refused."""
        error = ""
        kind = str(data.get("kind", "") or "")[:100]
        if kind and kind not in notifications.KINDS:
            kind, error = "", gettext("That notification type does not exist; showing all types.")
        unread = str(data.get("show", "")) == "unread"
        raw = str(data.get("page", "") or "").strip()
        page = int(raw) if raw.isdigit() and len(raw) <= 6 else 1
        return cls(kind=kind, unread=unread, page=min(max(page, 1), MAX_PAGE)), error

    def query(self, **changes: Any) -> str:
        values = {"kind": self.kind, "show": "unread" if self.unread else "", "page": self.page}
        values.update(changes)
        if values.get("page") == 1:
            values["page"] = ""
        pairs = {k: v for k, v in values.items() if v}
        return CENTER_URL + ("?" + urlencode(pairs) if pairs else "")


@never_cache
@require_GET
@staff_required
def center(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    view, error = View.of(request.GET)
    qs = notifications.for_user(user.pk, kind=view.kind, unread=view.unread)
    start = (view.page - 1) * PAGE_SIZE
    rows: list[Notification] = list(qs[start : start + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    unread = notifications.unread_count(user.pk)
    context = {
        "nav": "notifications",
        "view": view,
        "items": [(n, notifications.kind_label(n.kind)) for n in rows],
        "kinds": [(k.name, k.label) for k in notifications.KINDS.values()],
        "unread_count": unread,
        "has_next": has_next,
        "next_url": view.query(page=view.page + 1),
        "prev_url": view.query(page=view.page - 1) if view.page > 1 else "",
        "unread_url": view.query(show="unread", page=1),
        "all_url": view.query(show="", page=1),
        "error": error,
    }
    return render(request, "workspace/notifications.html", context, status=400 if error else 200)


@require_POST
@staff_required
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    view, _ = View.of(request.POST)
    core_actions.do_mark_notification_read(user.pk, check_pk(pk), now())
    if request.headers.get("HX-Request"):
        return badge(request)
    return HttpResponseRedirect(view.query())


@require_POST
@staff_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    view, _ = View.of(request.POST)
    count = core_actions.do_mark_all_notifications_read(user.pk, now(), kind=view.kind)
    messages.success(
        request,
        ngettext(
            "Marked %(count)s notification read.", "Marked %(count)s notifications read.", count
        )
        % {"count": count},
    )
    return HttpResponseRedirect(view.query(page=1))


@never_cache
@require_GET
@staff_required
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the top bar (htmx polls it): one indexed COUNT."""
    count = notifications.unread_count(current_user(request).pk)
    return render(request, "workspace/_notification_badge.html", {"unread_count": count})


@require_POST
@staff_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    choices: dict[str, str] = {}
    for name in notifications.KINDS:
        value = request.POST.get(f"delivery-{name}")
        if value is not None:
            choices[name] = str(value)[:20]
    extra = sorted(
        k[len("delivery-") :][:40]
        for k in request.POST
        if k.startswith("delivery-") and k[len("delivery-") :] not in notifications.KINDS
    )
    raw_hours = str(request.POST.get("digest_hours", "0") or "0").strip()
    try:
        if extra:
            raise DomainError(
                gettext("That notification type does not exist."), code="unknown_kind"
            )
        if not raw_hours.isdigit() or len(raw_hours) > 3:
            raise DomainError(
                gettext("Choose a digest interval from the list (or no digest)."), code="bad_digest"
            )
        core_actions.do_save_notification_preferences(user, choices, int(raw_hours), now())
    except DomainError as error:
        return render_account(request, status=400, notification_error=error.message)
    messages.success(request, gettext("Your notification settings are saved."))
    return HttpResponseRedirect("/account/#notifications")
