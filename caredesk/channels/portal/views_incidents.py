"""The unsubscribe link in incident mails (no sign-in). Mail scanners follow links, so
the GET only asks; the POST (with CSRF) unsubscribes. Essential updates still come."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from caredesk.core import clock
from caredesk.customers.guards import portal_context
from caredesk.customers.models import Customer
from caredesk.incidents import actions, links
from caredesk.incidents.models import OptOut

TEMPLATE = "portal/incident_unsubscribe.html"


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """/portal/incidents/unsubscribe/<token>/"""
    try:
        customer_id = links.read_token(token)
    except links.BadLink as bad:
        status = 410 if bad.reason == "expired" else 400
        return render(request, TEMPLATE, portal_context(None, state=bad.reason), status=status)
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return render(request, TEMPLATE, portal_context(None, state="invalid"), status=400)
    if request.method == "POST":
        actions.do_unsubscribe(customer, now=clock.now())
        return render(request, TEMPLATE, portal_context(None, state="done"))
    already = OptOut.objects.filter(customer=customer).exists()
    return render(request, TEMPLATE, portal_context(None, state="done" if already else "ask"))
