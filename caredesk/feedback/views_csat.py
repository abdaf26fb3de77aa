"""The customer rates a closed case from the survey mail's signed links (no sign-in).

Mail scanners follow links: a GET only shows the chosen rating with a confirm button and
a comment box; only the POST (with CSRF) records it. A forged, expired or wrong link gets
a clear page and changes nothing; a survey past its change window says so.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from caredesk.accounts.guards import current_user
from caredesk.core import clock, languages
from caredesk.core.errors import DomainError
from caredesk.core.http import check_pk
from caredesk.customers.guards import customer_required, portal_context
from caredesk.customers.models import Customer
from caredesk.feedback import actions, csat_links
from caredesk.feedback.forms import RatingForm
from caredesk.feedback.models import Rating, Survey

BAD_LINK = {
    "invalid": (
        _("This link is not valid"),
        _(
            "The link may be incomplete or altered. "
            "Please use the link in our mail exactly as it is."
        ),
        400,
    ),
    "expired": (
        _("This link has expired"),
        _(
            "The links in our survey mail work for a limited time. Thank you all the same; you "
            "can always write to us."
        ),
        410,
    ),
    "wrong_purpose": (
        _("This link is not valid for this answer"),
        _("Please use the link for the answer you mean, exactly as it is in our mail."),
        400,
    ),
}
TEMPLATE = "feedback/rate.html"


def _bad(request: HttpRequest, reason: str) -> HttpResponse:
    title, text, status = BAD_LINK.get(reason, BAD_LINK["invalid"])
    context = portal_context(None, state="bad", title=title, text=text)
    return render(request, TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
def rate_link(request: HttpRequest, rating: str, token: str) -> HttpResponse:
    """/feedback/rate/<good|neutral|bad>/<token>/"""
    browser = languages.from_accept_language(request.headers.get("Accept-Language", ""))
    try:
        link = csat_links.read_token(token, rating)
    except csat_links.BadLink as bad:
        with translation.override(browser or settings.LANGUAGE_CODE):
            return _bad(request, bad.reason)
    row = (
        Survey.objects.select_related("ticket", "customer")
        .filter(pk=link.survey_id, ticket_id=link.ticket_id, customer_id=link.customer_id)
        .first()
    )
    if row is None:
        with translation.override(browser or settings.LANGUAGE_CODE):
            return _bad(request, "invalid")
    # The pages speak the customer's language, as the survey mail did (docs/languages.md).
    with translation.override(languages.for_context({"customer": row.customer})):
        return _rate(request, row, rating)


def _rate(request: HttpRequest, row: Survey, rating: str) -> HttpResponse:
    now = clock.now()
    base = {"ticket": row.ticket, "rating": rating, "label": Rating(rating).label, "row": row}
    if not actions.survey_open(row, now):
        return render(request, TEMPLATE, portal_context(None, state="closed", **base), status=409)
    form = RatingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.do_rate(
                    row.pk,
                    customer=row.customer,
                    rating=rating,
                    comment=form.cleaned_data["comment"],
                    now=now,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return render(request, TEMPLATE, portal_context(None, state="done", **base))
        context = portal_context(None, state="ask", form=form, **base)
        return render(request, TEMPLATE, context, status=400)
    return render(request, TEMPLATE, portal_context(None, state="ask", form=form, **base))


@require_POST
@customer_required
def portal_rate(request: HttpRequest, customer: Customer, ticket_id: int) -> HttpResponse:
    """The signed-in customer rates their closed case on its portal page."""
    row = (
        Survey.objects.filter(ticket_id=check_pk(ticket_id), customer_id=customer.pk)
        .select_related("ticket")
        .first()
    )
    if row is None:  # not their case, or no survey: as for any case they cannot see
        raise Http404(gettext("No such case."))
    form = RatingForm(request.POST)
    rating = request.POST.get("rating", "")
    if rating not in Rating.values:
        messages.error(request, gettext("Please choose good, neutral or bad."))
    elif not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            actions.do_rate(
                row.pk,
                customer=customer,
                rating=rating,
                comment=form.cleaned_data["comment"],
                now=clock.now(),
                actor=current_user(request),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, gettext("Thank you for rating this case."))
    return redirect("portal:case", ticket_id=row.ticket_id)
