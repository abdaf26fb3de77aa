"""Inbox, search and attachment downloads. Thin: reads come from selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from caredesk.accounts.guards import (
    current_user,
    login_redirect,
    needs_second_factor,
    staff_required,
)
from caredesk.core.errors import NotFound
from caredesk.core.http import check_pk
from caredesk.tickets.access import access_attachment
from caredesk.tickets.search import MAX_QUERY, search_tickets
from caredesk.workspace import selectors
from caredesk.workspace.forms import SORTS, TABS, InboxFilterForm

SEARCH_PAGE_SIZE = 20
# Served as downloads anyway; these types are also relabelled so no browser renders them.
_ACTIVE_TYPES = ("html", "xml", "svg", "javascript", "ecmascript", "xhtml")

EMPTY_STATES = {
    "mine": _("Nothing assigned to you is open. Pick something from Unassigned or My teams."),
    "teams": _("Your teams have no open cases."),
    "unassigned": _("Every open case has an owner."),
    "open": _("No open cases. Nice work."),
    "resolved": _("No resolved cases yet."),
}


def _page_number(raw: str | None) -> int:
    value = (raw or "").strip()
    if not value.isdigit() or len(value) > 6:
        return 1
    return max(1, int(value))


@require_GET
@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    tab = request.GET.get("tab", "mine")
    if tab not in TABS:
        tab = "mine"
    teams = selectors.all_teams()
    form = InboxFilterForm(request.GET, teams=teams)
    form.is_valid()
    filters: dict[str, Any] = dict(form.cleaned_data)
    ignored = sorted(form.errors)
    page_number = _page_number(request.GET.get("page"))
    page = selectors.inbox_page(user, tab, filters, page_number, teams=teams)
    filtered = any(
        filters.get(k) not in (None, "") for k in ("status", "priority", "team", "tag", "tier")
    )
    context = {
        "nav": "inbox",
        "tabs": TABS,
        "tab": tab,
        "tab_label": TABS[tab],
        "form": form,
        "filters": filters,
        "filtered": filtered,
        "ignored": ignored,
        "sorts": SORTS,
        "page": page,
        "empty_text": EMPTY_STATES[tab],
    }
    return render(request, "workspace/inbox.html", context)


@require_GET
@staff_required
def search(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    query = str(request.GET.get("q", "")).strip()[:MAX_QUERY]
    result = search_tickets(
        user, query, page=_page_number(request.GET.get("page")), per_page=SEARCH_PAGE_SIZE
    )
    prefetch_related_objects(result.tickets, "organization", "tags")
    return render(request, "workspace/search.html", {"nav": "search", "q": query, "result": result})


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Shared by staff and portal customers; ``access_attachment`` decides (404 otherwise)."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    user = request.user
    if user.is_agent_staff and needs_second_factor(request):
        return login_redirect(request)
    try:
        attachment = access_attachment(user, check_pk(pk))
        handle = attachment.file.open("rb")
    except NotFound:
        raise Http404("No such attachment.") from None
    except (FileNotFoundError, OSError):
        raise Http404("The file is missing from storage.") from None
    content_type = attachment.content_type or "application/octet-stream"
    if any(marker in content_type for marker in _ACTIVE_TYPES):
        content_type = "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
