"""Privacy requests as actions (house rule 1): each checks who may, writes its audit
event in the transaction, and is what the admin, the workspace and the API call.

- Export and erase are for admins: they reach everything a customer ever wrote.
- Legal holds are placed and lifted by managers and admins; while one is in place the
  customer cannot be erased, by request or by a retention rule.
- Erasure is final. It asks for the customer's id typed again (``confirm``), so a
  wrong click in a list cannot erase the wrong person.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import IO

from django.db import IntegrityError, transaction

from caredesk.accounts.models import ROLE_LEVEL, Role, User
from caredesk.core import audit
from caredesk.core.errors import Conflict, InvalidInput, PermissionDenied
from caredesk.customers.models import Customer, Organization
from caredesk.privacy import erase, export
from caredesk.privacy.models import ErasedCustomer, LegalHold, RetentionRule

MAX_REASON = 500
MAX_MONTHS = 240


def _require(actor: User, role: Role, what: str) -> None:
    if not actor.is_active or actor.is_customer or actor.level < ROLE_LEVEL[role]:
        raise PermissionDenied(f"Only {role.label.lower()}s and above can {what}.")


def active_hold(customer: Customer) -> LegalHold | None:
    return customer.legal_holds.filter(lifted_at__isnull=True).first()


def is_erased(customer: Customer) -> bool:
    return ErasedCustomer.objects.filter(customer=customer).exists()


def do_export_customer(customer: Customer, *, actor: User, now: datetime) -> IO[bytes]:
    """The customer's archive (``export.build_archive``); the export itself is audited."""
    _require(actor, Role.ADMIN, "export a customer's data")
    with transaction.atomic():
        audit.record("customer.exported", actor=actor, now=now, field="customer", new=customer.pk)
    return export.build_archive(customer, now=now)


def do_erase_customer(
    customer: Customer, *, actor: User, confirm: str, now: datetime
) -> Counter[str]:
    _require(actor, Role.ADMIN, "erase a customer's data")
    if confirm.strip() != str(customer.pk):
        raise InvalidInput(
            f"Type the customer's id ({customer.pk}) to confirm: erasure cannot be undone.",
            field="confirm",
            code="confirmation_required",
        )
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        hold = active_hold(locked)
        if hold is not None:
            raise Conflict(
                f"A legal hold is in place ({hold.reason}); lift it before erasing.",
                code="legal_hold",
            )
        if is_erased(locked):
            raise Conflict("This customer's data was already erased.", code="already_erased")
        changed = erase.erase_customer(locked, now=now)
        ErasedCustomer.objects.create(customer=locked, erased_at=now, erased_by=actor)
        audit.record(
            "customer.erased",
            actor=actor,
            now=now,
            field="customer",
            new=locked.pk,
            note=", ".join(f"{n} {k}" for k, n in sorted(changed.items()) if n),
        )
    return changed


def do_place_legal_hold(
    customer: Customer, *, actor: User, reason: str, now: datetime
) -> LegalHold:
    _require(actor, Role.MANAGER, "place a legal hold")
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Say why the data must be kept.", field="reason", code="empty")
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            f"Keep the reason under {MAX_REASON} characters.", field="reason", code="too_long"
        )
    if is_erased(customer):
        raise Conflict("This customer's data was already erased.", code="already_erased")
    try:
        with transaction.atomic():
            hold = LegalHold.objects.create(
                customer=customer, reason=reason, placed_by=actor, placed_at=now
            )
            audit.record(
                "customer.legal_hold_placed",
                actor=actor,
                now=now,
                field="customer",
                new=customer.pk,
                note=reason,
            )
    except IntegrityError:
        raise Conflict("A legal hold is already in place.", code="legal_hold") from None
    return hold


def do_lift_legal_hold(customer: Customer, *, actor: User, now: datetime) -> LegalHold:
    _require(actor, Role.MANAGER, "lift a legal hold")
    with transaction.atomic():
        hold = customer.legal_holds.select_for_update().filter(lifted_at__isnull=True).first()
        if hold is None:
            raise Conflict("There is no legal hold to lift.", code="no_legal_hold")
        hold.lifted_at, hold.lifted_by = now, actor
        hold.save(update_fields=["lifted_at", "lifted_by"])
        audit.record(
            "customer.legal_hold_lifted",
            actor=actor,
            now=now,
            field="customer",
            old=customer.pk,
            note=hold.reason,
        )
    return hold


def do_set_retention_rule(
    organization: Organization, *, actor: User, months: int | None, now: datetime
) -> RetentionRule | None:
    """``months`` None removes the rule (cases are then kept)."""
    _require(actor, Role.ADMIN, "set retention rules")
    if months is not None and not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(
            f"Give a number of months from 1 to {MAX_MONTHS}.", field="months", code="out_of_range"
        )
    with transaction.atomic():
        rule = RetentionRule.objects.select_for_update().filter(organization=organization).first()
        old = rule.closed_case_months if rule else None
        if months is None:
            if rule is not None:
                rule.delete()
            rule = None
        elif rule is None:
            rule = RetentionRule.objects.create(
                organization=organization, closed_case_months=months, updated_at=now
            )
        else:
            rule.closed_case_months, rule.updated_at = months, now
            rule.save(update_fields=["closed_case_months", "updated_at"])
        if old != months:
            audit.record(
                "organization.retention_changed",
                actor=actor,
                now=now,
                field="closed_case_months",
                old=old,
                new=months,
                note=organization.name,
            )
    return rule
