"""The customer answers "Is this solved?": from the signed mail links (no sign-in) or on
the portal case page (signed in).

Mail scanners follow links: a GET only shows the question with a confirm button; only
the POST (with CSRF) answers. A forged, expired or wrong-purpose link gets a clear page
and changes nothing; an answered question says so.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from caredesk.channels.portal.forms import AnswerForm
from caredesk.channels.portal.views import _ticket, _user
from caredesk.core import clock
from caredesk.core.errors import DomainError
from caredesk.customers.guards import customer_required, portal_context
from caredesk.customers.models import Customer
from caredesk.resolutions import actions, links, selectors
from caredesk.resolutions.models import Resolution

BAD_LINK = {
    "invalid": (
        _("This link is not valid"),
        _(
            "The link may be incomplete or altered. Please use the link in our mail exactly as "
            "it is, or sign in to the portal to answer."
        ),
        400,
    ),
    "expired": (
        _("This link has expired"),
        _(
            "Links in our mails work for a limited time. Sign in to the portal to see your case, "
            "or write to us and we will pick it up."
        ),
        410,
    ),
    "wrong_purpose": (
        _("This link is not valid for this answer"),
        _("Please use the link for the answer you mean, exactly as it is in our mail."),
        400,
    ),
}


def _bad(request: HttpRequest, reason: str) -> HttpResponse:
    title, text, status = BAD_LINK.get(reason, BAD_LINK["invalid"])
    return render(
        request,
        "portal/solved_link.html",
        portal_context(None, state="bad", title=title, text=text),
        status=status,
    )


@require_http_methods(["GET", "POST"])
def answer_link(request: HttpRequest, purpose: str, token: str) -> HttpResponse:
    """/portal/solved/<yes|no>/<token>/"""
    try:
        answer = links.read_token(token, purpose)
    except links.BadLink as bad:
        return _bad(request, bad.reason)
    resolution = (
        Resolution.objects.select_related("ticket__customer")
        .filter(pk=answer.resolution_id, ticket_id=answer.ticket_id)
        .first()
    )
    if resolution is None or resolution.ticket.customer_id != answer.customer_id:
        return _bad(request, "invalid")
    ticket = resolution.ticket
    base = {"ticket": ticket, "purpose": purpose, "solved": purpose == "yes"}
    if not selectors.is_open_question(resolution):
        return render(
            request,
            "portal/solved_link.html",
            portal_context(None, state="answered", resolution=resolution, **base),
        )
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_answer(
                    resolution.pk,
                    solved=purpose == "yes",
                    customer=ticket.customer,
                    words=form.cleaned_data["words"] if purpose == "no" else "",
                    now=clock.now(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return render(
                    request, "portal/solved_link.html", portal_context(None, state="done", **base)
                )
        return render(
            request,
            "portal/solved_link.html",
            portal_context(None, state="ask", form=form, **base),
            status=400,
        )
    return render(
        request, "portal/solved_link.html", portal_context(None, state="ask", form=form, **base)
    )


@require_POST
@customer_required
def case_answer(request: HttpRequest, customer: Customer, ticket_id: int) -> HttpResponse:
    """The signed-in customer answers on their case page."""
    ticket = _ticket(request, ticket_id)
    resolution = selectors.open_question(ticket)
    solved = request.POST.get("answer") == "yes"
    if resolution is None or ticket.customer_id != customer.pk:
        messages.error(request, gettext("There is no open question on this case."))
        return redirect("portal:case", ticket_id=ticket.pk)
    if request.POST.get("answer") not in ("yes", "no"):
        messages.error(request, gettext("Please choose Yes or No."))
        return redirect("portal:case", ticket_id=ticket.pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("portal:case", ticket_id=ticket.pk)
    try:
        actions.do_answer(
            resolution.pk,
            solved=solved,
            customer=customer,
            words="" if solved else form.cleaned_data["words"],
            now=clock.now(),
            actor=_user(request),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("Thank you: the case is closed.")
            if solved
            else gettext(
                "Thank you for telling us. The case is open again and we will get back to you."
            ),
        )
    return redirect("portal:case", ticket_id=ticket.pk)
