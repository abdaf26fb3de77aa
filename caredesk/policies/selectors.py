"""Reads of policies that the case page, the workspace pages and the API share."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from caredesk.customers.models import Customer
from caredesk.policies import eligibility
from caredesk.policies.models import (
    Acknowledgement,
    AppliesTo,
    EligibilityRule,
    EvidenceKind,
    How,
    Policy,
    PolicyVersion,
)
from caredesk.records.models import CaseRecordLink
from caredesk.tickets.models import Ticket

# How a way of telling reads in "Told 2 times: at purchase (receipt, 30 Oct)".
HOW_WORDS = {
    How.AT_PURCHASE: _("at purchase"),
    How.RECEIPT: _("on the receipt"),
    How.SCHEDULING_CALL: _("at scheduling"),
    How.REPLY: _("in a reply"),
    How.PORTAL: _("in the portal"),
    How.OTHER: _("otherwise"),
}
EVIDENCE_WORDS = {
    EvidenceKind.RECORD: _("receipt"),
    EvidenceKind.MESSAGE: _("message"),
    EvidenceKind.CALL: _("call"),
    EvidenceKind.TEXT: _("note"),
}


def in_effect(now: datetime) -> Q:
    return (Q(effective_from__isnull=True) | Q(effective_from__lte=now)) & (
        Q(effective_until__isnull=True) | Q(effective_until__gt=now)
    )


def policies_in_effect(now: datetime) -> QuerySet[Policy]:
    return (
        Policy.objects.filter(in_effect(now), is_active=True)
        .select_related("category")
        .prefetch_related(Prefetch("versions", queryset=PolicyVersion.objects.order_by("-number")))
    )


def all_policies() -> QuerySet[Policy]:
    return Policy.objects.select_related("category").prefetch_related(
        Prefetch("versions", queryset=PolicyVersion.objects.order_by("-number")),
        Prefetch("rules", queryset=EligibilityRule.objects.order_by("position", "id")),
    )


def acknowledgements_of(customer: Customer, policy: Policy | None = None) -> list[Acknowledgement]:
    rows = Acknowledgement.objects.filter(customer=customer).select_related(
        "version", "policy", "by_user", "record", "message"
    )
    if policy is not None:
        rows = rows.filter(policy=policy)
    return list(rows.order_by("told_at", "id")[:200])


def told_words(ack: Acknowledgement) -> str:
    """ "at purchase (receipt, 30 Oct)" — the date as the desk reads it."""
    how = HOW_WORDS.get(How(ack.how), ack.how) if ack.how in How.values else ack.how
    evidence = EVIDENCE_WORDS.get(EvidenceKind(ack.evidence_kind), "") if ack.evidence_kind else ""
    day = timezone.localtime(ack.told_at)
    when = date_format(day, "j M")
    return f"{how} ({evidence + ', ' if evidence else ''}{when})"


def told_summary(acks: list[Acknowledgement]) -> str:
    if not acks:
        return gettext("Not recorded as told.")
    told = ngettext("Told %(count)d time: %(ways)s", "Told %(count)d times: %(ways)s", len(acks))
    return told % {"count": len(acks), "ways": ", ".join(str(told_words(a)) for a in acks)}


@dataclass
class CasePolicy:
    policy: Policy
    current: PolicyVersion | None
    acknowledgements: list[Acknowledgement] = field(default_factory=list)
    why: str = ""

    @property
    def summary(self) -> str:
        return told_summary(self.acknowledgements)


def case_policies(
    ticket: Ticket,
    *,
    now: datetime,
    policies: list[Policy] | None = None,
    links: list[CaseRecordLink] | None = None,
) -> list[CasePolicy]:
    """The policies relevant to a case: those the customer was told of, those matching a
    linked record's line categories, and those matching the case's tags. The case page
    passes the policies in effect and the links it already read."""
    if policies is None:
        policies = list(policies_in_effect(now).order_by("title"))
    if not policies:
        return []
    if links is None:
        links = list(CaseRecordLink.objects.filter(ticket=ticket).prefetch_related("record__lines"))
    acks: dict[int, list[Acknowledgement]] = defaultdict(list)
    for ack in acknowledgements_of(ticket.customer):
        acks[ack.policy_id].append(ack)
    categories = {line.category for link in links for line in link.record.lines.all()}
    tags = {t.name.lower() for t in ticket.tags.all()}
    shown: list[CasePolicy] = []
    for policy in policies:
        versions = list(policy.versions.all())
        why = ""
        if policy.pk in acks:
            why = "told before"
        elif categories & {str(c).lower() for c in policy.record_categories or []}:
            why = "linked order"
        elif tags & {str(t).lower() for t in policy.case_tags or []}:
            why = "case tag"
        if why:
            shown.append(
                CasePolicy(policy, versions[0] if versions else None, acks[policy.pk], why)
            )
    return shown


@dataclass(frozen=True)
class KindOutcome:
    applies_to: str
    label: str
    outcome: eligibility.CaseOutcome


def case_eligibility(ticket: Ticket, *, now: datetime) -> list[KindOutcome]:
    """For each kind of request that has rules: the outcome for the case's records."""
    kinds = set(
        EligibilityRule.objects.filter(is_active=True, policy__is_active=True).values_list(
            "applies_to", flat=True
        )
    )
    found = []
    for value, label in AppliesTo.choices:
        if value in kinds:
            outcome = eligibility.check_case(ticket, value, now=now)
            if outcome.rules:
                found.append(KindOutcome(value, str(label), outcome))
    return found
