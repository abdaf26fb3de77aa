"""The case page and the changes an agent makes on it. Every change goes through an action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from caredesk.accounts.guards import current_user, staff_required
from caredesk.accounts.models import Team, User
from caredesk.accounts.selectors import assignable_staff
from caredesk.core.clock import now
from caredesk.core.errors import DomainError, NotFound
from caredesk.core.http import check_pk, error_status
from caredesk.core.keyset import BadCursor, Cursor
from caredesk.enrichment import replies as coverage_replies
from caredesk.policies import replies
from caredesk.promises.reply import send_reply
from caredesk.tickets import actions
from caredesk.tickets.access import access_ticket
from caredesk.tickets.models import SETTABLE_STATUS_CHOICES, Priority, Status, Ticket
from caredesk.tickets.recipients import check_reply_extras
from caredesk.workspace import presence, selectors
from caredesk.workspace.forms import (
    AssignForm,
    ForwardForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TagsForm,
)
from caredesk.workspace.links_panel import panel_context
from caredesk.workspace.panels import PANELS
from caredesk.workspace.uploads import incoming_files

# Forms of the links panel a refused merge or link re-renders in place (see render_case).
LINK_FORMS = {"merge_form", "merge_confirm", "link_form"}


def case_or_404(request: HttpRequest, pk: int) -> Ticket:
    try:
        return access_ticket(current_user(request), check_pk(pk))
    except NotFound:
        raise Http404("No such case.") from None


def case_url(ticket: Ticket, anchor: str = "") -> str:
    return f"/cases/{ticket.pk}/" + (f"#{anchor}" if anchor else "")


def render_case(
    request: HttpRequest,
    ticket: Ticket,
    *,
    status: int = 200,
    error: str = "",
    error_target: str = "",
    coverage: dict[str, Any] | None = None,
    **forms: Any,
) -> HttpResponse:
    """The case page: at most 10 queries, the same for 3 messages or 3,000 (the timeline
    shows the newest entries; the side panels in ``panels.PANELS`` load after the page).
    A refused reassignment re-renders its form in place, with what was typed."""
    tag_names = selectors.ticket_tag_names(ticket)
    timeline = selectors.case_timeline(ticket)
    context: dict[str, Any] = {
        "nav": "case",
        "ticket": ticket,
        "org": ticket.organization,
        "timeline": timeline,
        "tag_names": tag_names,
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "forward_form": forms.get("forward_form") or ForwardForm(),
        "assign_form": forms.get("assign_form"),
        "tags_form": forms.get("tags_form") or TagsForm(initial={"tags": ", ".join(tag_names)}),
        "status_choices": SETTABLE_STATUS_CHOICES,
        "priority_choices": Priority.choices,
        "error": error,
        "error_target": error_target,
        # The links panel loads after the page, unless a refused merge or link shows
        # what was typed; the merged banner needs only the pointer.
        **(
            panel_context(ticket, forms)
            if LINK_FORMS & set(forms)
            else {"merged_into": ticket.merged_into if ticket.merged_into_id else None}
        ),
        "links_inline": bool(LINK_FORMS & set(forms)),
        # A reply that seems not to answer the customer's questions (P3): the panel.
        "coverage": coverage,
    }
    return render(request, "workspace/case.html", context, status=status)


def _form_error(form: Form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        name = label or field.replace("_", " ").capitalize()
        return gettext("%(field)s: %(error)s") % {"field": name, "error": errors[0]}
    return gettext("Please check the form.")


def apply_change(
    request: HttpRequest,
    pk: int,
    form: Form,
    target: str,
    apply: Callable[[Ticket, User, Form], str],
) -> HttpResponse:
    """Validate, run the action, then redirect; on a refusal re-render with what was typed."""
    ticket = case_or_404(request, pk)
    user = current_user(request)
    try:
        if not form.is_valid():
            raise DomainError(_form_error(form))
        done = apply(ticket, user, form)
    except NotFound:
        raise Http404("No such case.") from None
    except coverage_replies.ReplyMayNotAnswer as warning:
        # Not an error: the page asks the agent to decide (edit, or send anyway).
        return render_case(
            request,
            ticket,
            status=200,
            error_target=target,
            coverage=warning.details,
            reply_form=form,
        )
    except DomainError as error:
        key = {
            "reply": "reply_form",
            "note": "note_form",
            "assign": "assign_form",
            "forward": "forward_form",
        }.get(target)
        extra = {key: form} if key else {}
        if target == "tags":
            extra = {"tags_form": form}
        return render_case(
            request,
            ticket,
            status=error_status(error),
            error=error.message,
            error_target=target,
            coverage=None,
            **extra,
        )
    messages.success(request, done)
    return HttpResponseRedirect(case_url(ticket, target))


@require_GET
@staff_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_case(request, case_or_404(request, pk))


@require_GET
@staff_required
def case_panel(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    """One side panel of the case page, checked like the page (404 for a case the user
    cannot see). htmx asks for the fragment; a plain visit (no script) gets a page."""
    panel = PANELS.get(slug)
    if panel is None:
        raise Http404("No such panel.")
    ticket = case_or_404(request, pk)
    context: dict[str, Any] = {
        "nav": "case",
        "ticket": ticket,
        "org": ticket.organization,
        "panel": panel,
        "slug": slug,
        **panel.context(request, ticket),
    }
    fragment = request.headers.get("HX-Request") == "true"
    template = panel.template if fragment else "workspace/panel_page.html"
    return render(request, template, context)


@require_GET
@staff_required
def case_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """Earlier timeline entries, before the ``before`` cursor ("Show earlier")."""
    ticket = case_or_404(request, pk)
    try:
        before = Cursor.decode(request.GET.get("before", "")[:64])
    except BadCursor as error:
        return render(
            request,
            "workspace/timeline_page.html",
            {"nav": "case", "ticket": ticket, "error": error.message},
            status=400,
        )
    context = {
        "nav": "case",
        "ticket": ticket,
        "timeline": selectors.case_timeline(ticket, before=before),
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "workspace/_timeline_items.html", context)
    return render(request, "workspace/timeline_page.html", context)


@require_POST
@staff_required
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(ticket: Ticket, user: User, form: Form) -> str:
        # With a promise chosen, the reply and the promise are made in one transaction;
        # policies inserted into it are recorded as told when it is sent.
        versions = replies.clean_version_ids(request.POST.getlist("policy_version"))
        data = form.cleaned_data
        check_reply_extras(data.get("cc"), data.get("bcc"), data.get("minutes"))
        # Bad input (policy versions) is refused before the coverage check warns.
        with (
            replies.acknowledging(user, versions),
            coverage_replies.checking(
                user,
                ticket,
                data["body"],
                send_anyway=bool(data.get("send_anyway")),
                warned=bool(data.get("coverage_warned")),
            ),
        ):
            return send_reply(
                request,
                ticket,
                user,
                form.cleaned_data,
                incoming_files(request.FILES.getlist("files")),
            )

    return apply_change(request, pk, ReplyForm(request.POST), "reply", apply)


@require_POST
@staff_required
def note(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(ticket: Ticket, user: User, form: Form) -> str:
        actions.do_add_note(
            ticket,
            agent=user,
            body=form.cleaned_data["body"],
            files=incoming_files(request.FILES.getlist("files")),
            now=now(),
            minutes=form.cleaned_data.get("minutes"),
        )
        return gettext("Note added.")

    return apply_change(request, pk, NoteForm(request.POST), "note", apply)


@require_POST
@staff_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    teams = selectors.all_teams()
    staff = assignable_staff()

    def apply(ticket: Ticket, user: User, form: Form) -> str:
        team: Team | None = next((t for t in teams if t.pk == form.cleaned_data["team"]), None)
        assignee: User | None = next(
            (u for u in staff if u.pk == form.cleaned_data["assignee"]), None
        )
        actions.do_assign(
            ticket,
            actor=user,
            assignee=assignee,
            team=team,
            handoff_note=form.cleaned_data["handoff_note"],
            now=now(),
        )
        who = assignee.display_name if assignee else "nobody"
        return f"Assigned to {who}" + (f" in {team.name}." if team else ".")

    form = AssignForm(request.POST, teams=teams, staff=staff)
    return apply_change(request, pk, form, "assign", apply)


@require_POST
@staff_required
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(ticket: Ticket, user: User, form: Form) -> str:
        value = form.cleaned_data["status"]
        actions.do_change_status(ticket, actor=user, status=value, now=now())
        return gettext("Status is now %(status)s.") % {"status": Status(value).label}

    return apply_change(request, pk, StatusForm(request.POST), "status", apply)


@require_POST
@staff_required
def change_priority(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(ticket: Ticket, user: User, form: Form) -> str:
        value = form.cleaned_data["priority"]
        actions.do_change_priority(ticket, actor=user, priority=value, now=now())
        return gettext("Priority is now %(priority)s.") % {"priority": Priority(value).label}

    return apply_change(request, pk, PriorityForm(request.POST), "priority", apply)


@require_POST
@staff_required
def set_tags(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(ticket: Ticket, user: User, form: Form) -> str:
        assert isinstance(form, TagsForm)
        actions.do_set_tags(ticket, actor=user, names=form.names(), now=now())
        return gettext("Tags saved.")

    return apply_change(request, pk, TagsForm(request.POST), "tags", apply)


@require_POST
@staff_required
def presence_ping(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx heartbeat from an open case page; answers with who else is here."""
    ticket = case_or_404(request, pk)
    user = current_user(request)
    moment = now()
    presence.touch_presence(ticket, user, typing=request.POST.get("typing") == "1", now=moment)
    viewers = presence.other_viewers(ticket, user, now=moment)
    return render(request, "workspace/_presence.html", {"viewers": viewers})
