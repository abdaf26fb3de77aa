"""Every change to policies and acknowledgements goes through these functions.

Each runs in one transaction and appends its audit event to the event log
(``policy.saved``, ``policy.version_published``, ``policy.rule_saved``,
``policy.acknowledged``), so webhooks see them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext

from caredesk.accounts.models import ROLE_LEVEL, Role, User
from caredesk.core import audit
from caredesk.core.errors import DomainError, NotFound, PermissionDenied
from caredesk.core.text import clean_body, clean_line
from caredesk.customers.models import Customer
from caredesk.policies.expression import ExpressionError, parse
from caredesk.policies.models import (
    Acknowledgement,
    EligibilityRule,
    EvidenceKind,
    How,
    Policy,
    PolicyVersion,
)
from caredesk.records.models import Record
from caredesk.tickets.models import Message

MAX_POLICY_TEXT = 20_000
MAX_EVIDENCE_TEXT = 2_000


def _require_admin(actor: User | None) -> None:
    if actor is not None and (not actor.is_agent_staff or actor.level < ROLE_LEVEL[Role.MANAGER]):
        raise PermissionDenied(gettext("Only managers and admins write policies."))


def do_save_policy(policy: Policy, *, actor: User | None, now: datetime) -> Policy:
    """Create or change a policy's title, category, effective dates and matching."""
    _require_admin(actor)
    try:
        policy.full_clean()
    except ValidationError as error:
        raise DomainError("; ".join(error.messages), code="invalid_policy") from None
    created = policy.pk is None
    with transaction.atomic():
        if created:
            policy.created_at = now
        policy.save()
        audit.record(
            "policy.saved",
            actor=actor,
            now=now,
            field="policy",
            new={"slug": policy.slug, "title": policy.title, "created": created},
        )
    return policy


def do_publish_version(
    policy: Policy,
    *,
    actor: User | None,
    customer_text: str,
    internal_notes: str = "",
    now: datetime,
) -> PolicyVersion:
    """A new version of the policy's text; earlier versions stay as they were."""
    _require_admin(actor)
    text = clean_body(customer_text, max_chars=MAX_POLICY_TEXT, field="customer text")
    notes = (internal_notes or "").strip()[:MAX_POLICY_TEXT]
    with transaction.atomic():
        Policy.objects.select_for_update().filter(pk=policy.pk).first()
        latest = policy.versions.aggregate(n=Max("number"))["n"] or 0
        current = policy.versions.filter(number=latest).first()
        if current and (current.customer_text, current.internal_notes) == (text, notes):
            return current
        version = PolicyVersion.objects.create(
            policy=policy,
            number=latest + 1,
            customer_text=text,
            internal_notes=notes,
            created_by=actor,
            created_at=now,
        )
        audit.record(
            "policy.version_published",
            actor=actor,
            now=now,
            field="version",
            old={"slug": policy.slug, "version": latest or None},
            new={"slug": policy.slug, "version": version.number},
        )
    return version


def check_rule(rule: EligibilityRule) -> None:
    """Refuse a rule whose condition does not parse, names an unknown field, or has no
    reason — with the position of the mistake."""
    try:
        parse(rule.expression)
    except ExpressionError as error:
        raise DomainError(
            f"The condition cannot be saved: {error}",
            code="invalid_rule",
            details={"field": "expression", "column": error.column},
        ) from None
    if not (rule.reason or "").strip():
        raise DomainError(
            gettext("Give the reason the customer is told."),
            code="invalid_rule",
            details={"field": "reason"},
        )


def do_save_rule(rule: EligibilityRule, *, actor: User | None, now: datetime) -> EligibilityRule:
    _require_admin(actor)
    check_rule(rule)
    with transaction.atomic():
        rule.save()
        audit.record(
            "policy.rule_saved",
            actor=actor,
            now=now,
            field="rule",
            new={
                "policy": rule.policy.slug,
                "rule": rule.pk,
                "applies_to": rule.applies_to,
                "effect": rule.effect,
                "expression": rule.expression,
            },
        )
    return rule


def do_delete_rule(rule: EligibilityRule, *, actor: User | None, now: datetime) -> None:
    _require_admin(actor)
    with transaction.atomic():
        old = {"policy": rule.policy.slug, "rule": rule.pk, "expression": rule.expression}
        rule.delete()
        audit.record("policy.rule_deleted", actor=actor, now=now, field="rule", old=old)


@dataclass(frozen=True)
class Told:
    """Who reported an acknowledgement: a staff member, or a system (API token, shop)."""

    user: User | None = None
    label: str = ""


def _evidence(
    evidence_kind: str, evidence_ref: str, customer: Customer
) -> tuple[Record | None, Message | None]:
    if evidence_kind == EvidenceKind.RECORD and evidence_ref:
        record = Record.objects.filter(external_id=evidence_ref, customer=customer).first()
        if record is None and customer.organization_id is not None:
            record = Record.objects.filter(
                external_id=evidence_ref, organization_id=customer.organization_id
            ).first()
        return record, None
    if evidence_kind == EvidenceKind.MESSAGE and evidence_ref.isdigit():
        message = Message.objects.filter(pk=int(evidence_ref), ticket__customer=customer).first()
        if message is None:
            raise DomainError(
                f"Message {evidence_ref} is not a message of this customer's cases.",
                code="unknown_evidence",
                details={"field": "evidence_ref"},
            )
        return None, message
    return None, None


def do_record_acknowledgement(
    *,
    customer: Customer,
    version: PolicyVersion,
    how: str,
    by: Told,
    now: datetime,
    told_at: datetime | None = None,
    evidence_kind: str = "",
    evidence_ref: str = "",
    evidence_text: str = "",
) -> tuple[Acknowledgement, bool]:
    """Record that the customer was informed of a policy version. The same report twice
    (same version, how and evidence reference) is recorded once: (row, created)."""
    if by.user is not None and by.user.is_customer:
        raise PermissionDenied(gettext("Customers cannot record acknowledgements."))
    if how not in How.values:
        raise DomainError(
            f"Unknown way of telling “{str(how)[:30]}”; use one of: {', '.join(How.values)}.",
            code="invalid_how",
            details={"field": "how"},
        )
    if evidence_kind not in EvidenceKind.values:
        raise DomainError(
            f"Unknown evidence kind; use one of: {', '.join(v for v in EvidenceKind.values if v)}.",
            code="invalid_evidence",
            details={"field": "evidence_kind"},
        )
    ref = (
        clean_line(evidence_ref, max_chars=100, field="evidence reference")
        if evidence_ref.strip()
        else ""
    )
    text = (evidence_text or "").strip()
    if len(text) > MAX_EVIDENCE_TEXT:
        raise DomainError(
            f"The evidence text is too long ({len(text):,} characters; "
            f"at most {MAX_EVIDENCE_TEXT:,}).",
            code="too_long",
            details={"field": "evidence_text"},
        )
    when = told_at or now
    if when > now:
        raise DomainError(gettext("The time told cannot be in the future."), code="invalid_time")
    record, message = _evidence(evidence_kind, ref, customer)
    with transaction.atomic():
        if ref:
            same = Acknowledgement.objects.filter(
                customer=customer,
                version=version,
                how=how,
                evidence_kind=evidence_kind,
                evidence_ref=ref,
            ).first()
            if same is not None:
                return same, False
        ack = Acknowledgement.objects.create(
            customer=customer,
            policy_id=version.policy_id,
            version=version,
            told_at=when,
            how=how,
            by_user=by.user,
            by_label=(by.label or (by.user.display_name if by.user else "caredesk"))[:200],
            evidence_kind=evidence_kind,
            evidence_ref=ref,
            evidence_text=text,
            record=record,
            message=message,
            created_at=now,
        )
        audit.record(
            "policy.acknowledged",
            actor=by.user,
            now=now,
            field="acknowledgement",
            new={
                "acknowledgement": ack.pk,
                "customer": customer.pk,
                "policy": version.policy.slug,
                "version": version.number,
                "how": how,
                "evidence": {"kind": evidence_kind, "ref": ref},
            },
        )
    return ack, True


def version_of(policy: Policy, number: int | None) -> PolicyVersion:
    """The policy's version ``number`` (None: the latest)."""
    versions = policy.versions.all()
    found = versions.filter(number=number).first() if number is not None else versions.first()
    if found is None:
        raise NotFound(
            f"Policy {policy.slug} has no version {number}."
            if number
            else f"Policy {policy.slug} has no text yet.",
            code="unknown_version",
        )
    return found


def current_text(policy: Policy) -> dict[str, Any] | None:
    version = policy.versions.first()
    if version is None:
        return None
    return {"version": version.number, "text": version.customer_text, "id": version.pk}
