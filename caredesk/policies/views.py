"""Staff pages: the list of policies and one policy with its versions, rules and the
latest acknowledgements. Authoring is in the admin (texts are versioned there)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from caredesk.accounts.guards import staff_required
from caredesk.core import clock
from caredesk.policies import selectors
from caredesk.policies.models import Acknowledgement


@require_GET
@staff_required
def policy_list(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    current = set(selectors.policies_in_effect(now).values_list("pk", flat=True))
    rows = [(p, p.pk in current) for p in selectors.all_policies().order_by("title")]
    return render(request, "policies/list.html", {"nav": "policies", "rows": rows})


@require_GET
@staff_required
def policy_detail(request: HttpRequest, slug: str) -> HttpResponse:
    policy = selectors.all_policies().filter(slug=slug[:60]).first()
    if policy is None:
        raise Http404(gettext("No such policy."))
    acks = list(
        Acknowledgement.objects.filter(policy=policy)
        .select_related("customer", "version")
        .order_by("-told_at", "-id")[:50]
    )
    return render(
        request,
        "policies/detail.html",
        {
            "nav": "policies",
            "policy": policy,
            "acks": acks,
            "versions": list(policy.versions.all()),
        },
    )
