"""The customer's orders, subscriptions and bookings (their own and their organization's)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from caredesk.customers.guards import customer_required, portal_context
from caredesk.customers.models import Customer
from caredesk.records.selectors import MAX_SHOWN, records_of_customer
from caredesk.records.validation import record_kinds

HEADINGS = {
    "order": _("Your orders"),
    "subscription": _("Your subscriptions"),
    "booking": _("Your bookings"),
}


@require_GET
@customer_required
def records(request: HttpRequest, customer: Customer) -> HttpResponse:
    rows = list(records_of_customer(customer)[: MAX_SHOWN * 2])
    groups = [
        (HEADINGS.get(kind, f"Your {kind}s"), kind, [r for r in rows if r.kind == kind])
        for kind in record_kinds()
    ]
    return render(
        request,
        "portal/records.html",
        portal_context(customer, nav="records", groups=[g for g in groups if g[2]], any=bool(rows)),
    )
