"""Eligibility: do a policy's rules allow a return, exchange, refund or exception?

:func:`check` is the one pure entry point (``now`` passed in, no writes), used by the
case page, the API, the promise gate and later the portal's self-service:

    check(policy_or_rules, record, line=None, now=..., applies_to="return")
    -> Outcome(eligible, reasons)

A rule with effect ``deny_if`` makes it not eligible when its condition holds (hygiene
items); ``require`` only when its condition does not hold (30 days since delivery). A
rule that reads the line is checked against the given line, or each line of the record.
A fact the rule needs and the record does not have makes the outcome not eligible with a
reason that says which fact is missing — caredesk does not guess in the customer's
favour or against it; an agent can ask for an override (an approval).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop

from caredesk.core.clock import require_aware
from caredesk.policies.expression import Facts, Unknown, evaluate, parse, uses_line
from caredesk.policies.models import AppliesTo, Effect, EligibilityRule, Policy
from caredesk.records.models import Record, RecordLine
from caredesk.records.selectors import case_links
from caredesk.tickets.models import Ticket

GATED_KINDS = tuple(AppliesTo.values)
NO_RECORD = gettext_noop(
    "There is no order or other record to check against; link the record the case is about."
)


@dataclass(frozen=True)
class Outcome:
    eligible: bool
    reasons: tuple[str, ...] = ()
    rules_checked: int = 0
    missing: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return " ".join(self.reasons)


def active_rules(applies_to: str, now: datetime) -> list[EligibilityRule]:
    """The active rules of policies in effect at ``now`` for one kind of request."""
    in_effect = (Q(policy__effective_from__isnull=True) | Q(policy__effective_from__lte=now)) & (
        Q(policy__effective_until__isnull=True) | Q(policy__effective_until__gt=now)
    )
    return list(
        EligibilityRule.objects.filter(
            in_effect, applies_to=applies_to, is_active=True, policy__is_active=True
        )
        .select_related("policy")
        .order_by("policy__title", "position", "id")
    )


def _rules(
    source: Policy | Iterable[EligibilityRule], applies_to: str | None
) -> list[EligibilityRule]:
    if isinstance(source, Policy):
        rows = source.rules.filter(is_active=True).order_by("position", "id")
        if applies_to:
            rows = rows.filter(applies_to=applies_to)
        return list(rows)
    return [r for r in source if r.is_active and (applies_to is None or r.applies_to == applies_to)]


def _lines(record: Record) -> list[RecordLine]:
    return sorted(record.lines.all(), key=lambda line: (line.position, line.pk))


def check(
    policy_or_rules: Policy | Iterable[EligibilityRule],
    record: Record | None,
    line: RecordLine | None = None,
    *,
    now: datetime,
    applies_to: str | None = None,
) -> Outcome:
    """Check the rules against a record (and one of its lines, or each line)."""
    require_aware(now, "now")
    rules = _rules(policy_or_rules, applies_to)
    if not rules:
        return Outcome(True)
    if record is None:
        return Outcome(False, (gettext(NO_RECORD),), 0, ("record",))
    lines: Sequence[RecordLine | None] = [line] if line is not None else (_lines(record) or [None])
    reasons: list[str] = []
    missing: list[str] = []
    for rule in rules:
        tree = parse(rule.expression)
        targets = lines if uses_line(tree) else [None]
        for target in targets:
            try:
                holds = evaluate(tree, Facts(record=record, line=target, now=now))
            except Unknown as unknown:
                text = gettext(
                    "We could not check this rule: %(what)s is not known. (%(reason)s)"
                ) % {"what": unknown.what, "reason": rule.reason}
                if text not in reasons:
                    reasons.append(text)
                    missing.append(unknown.what)
                continue
            refused = holds if rule.effect == Effect.DENY_IF else not holds
            if refused:
                product = f"{target.product}: " if target is not None and len(lines) > 1 else ""
                text = f"{product}{rule.reason}"
                if text not in reasons:
                    reasons.append(text)
    return Outcome(not reasons, tuple(reasons), len(rules), tuple(missing))


@dataclass(frozen=True)
class CaseCheck:
    """The outcome for one linked record (or line) of a case."""

    label: str
    outcome: Outcome
    record_id: int | None = None
    line_id: int | None = None


@dataclass(frozen=True)
class CaseOutcome:
    applies_to: str
    checks: tuple[CaseCheck, ...] = field(default_factory=tuple)
    rules: int = 0

    @property
    def eligible(self) -> bool:
        return all(c.outcome.eligible for c in self.checks)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(r for c in self.checks for r in c.outcome.reasons)


def check_case(ticket: Ticket, applies_to: str, *, now: datetime) -> CaseOutcome:
    """The rules of ``applies_to`` against every record linked to the case (its line when
    the link names one). No rules: eligible. Rules but no linked record: not eligible."""
    rules = active_rules(applies_to, now)
    if not rules:
        return CaseOutcome(applies_to)
    links = case_links(ticket)
    if not links:
        return CaseOutcome(
            applies_to,
            (CaseCheck(gettext("No linked record"), check(rules, None, now=now)),),
            len(rules),
        )
    checks = []
    for link in links:
        label = link.record.label + (f" · {link.line.product}" if link.line else "")
        outcome = check(rules, link.record, link.line, now=now)
        checks.append(CaseCheck(label, outcome, link.record_id, link.line_id))
    return CaseOutcome(applies_to, tuple(checks), len(rules))


@cache
def _override_sources() -> list[Any]:
    return [import_string(p) for p in getattr(settings, "CAREDESK_ELIGIBILITY_OVERRIDES", [])]


def granted_override(ticket_id: int) -> str | None:
    """A sentence naming the granted override (an approved policy exception) of the case,
    or None. The approvals live above this layer; settings name who answers."""
    for source in _override_sources():
        found = source(ticket_id)
        if found:
            return str(found)
    return None
