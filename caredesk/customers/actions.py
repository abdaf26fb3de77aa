"""Changes to customers and organizations. Each runs in one transaction and is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from caredesk.accounts.models import ROLE_LEVEL, Role, User
from caredesk.core import audit
from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.core.text import clean_body, clean_line
from caredesk.customers.models import ContactIdentity, Customer, Language, Organization, Tier

MAX_NAME = 200
MAX_EMAILS = 20
MAX_VIP_NOTE = 5000


class _Unset:
    """Marks an argument the caller did not pass (distinct from None, which clears)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


def _require_staff(actor: User) -> None:
    if not actor.is_agent_staff:
        raise PermissionDenied("Only staff can change customers.")


def _require_manager(actor: User) -> None:
    if not actor.is_agent_staff or actor.level < ROLE_LEVEL[Role.MANAGER]:
        raise PermissionDenied("Only managers and admins can change organizations.")


def normalize_emails(emails: list[str]) -> list[str]:
    result: list[str] = []
    for raw in emails:
        value = raw.strip().lower()
        try:
            validate_email(value)
        except ValidationError:
            raise DomainError(
                f"“{raw.strip()[:100]}” is not a valid email address.", code="invalid_email"
            ) from None
        if value not in result:
            result.append(value)
    if len(result) > MAX_EMAILS:
        raise DomainError(f"At most {MAX_EMAILS} email addresses.", code="too_many_emails")
    return result


@dataclass(frozen=True)
class NewCustomer:
    """One customer to add (see :func:`do_create_customers`)."""

    name: str
    emails: Sequence[str] = ()
    organization: Organization | None = None


def do_create_customers(
    items: Sequence[NewCustomer], *, actor: User, now: datetime
) -> list[Customer]:
    """Add several customers in one transaction with a few statements for all of them
    (``caredesk import``, ADR 0037): the same rows and ``customer.created`` audit events
    as :func:`do_create_customer` one by one. Any refused one (a bad name or address, an
    address taken, here or twice in the batch) refuses the whole call."""
    _require_staff(actor)
    checked = [
        NewCustomer(
            clean_line(c.name, max_chars=MAX_NAME, field="name"),
            normalize_emails(list(c.emails)),
            c.organization,
        )
        for c in items
    ]
    addresses = [a for c in checked for a in c.emails]
    if len(set(addresses)) != len(addresses):
        raise Conflict("An address is given for two customers.", code="email_taken")
    try:
        with transaction.atomic():
            taken = list(
                ContactIdentity.objects.filter(
                    kind=ContactIdentity.Kind.EMAIL, value__in=addresses
                ).values_list("value", flat=True)
            )
            if taken:
                raise Conflict(
                    f"{', '.join(sorted(taken))} already belongs to another customer.",
                    code="email_taken",
                    details={"emails": sorted(taken)},
                )
            customers = Customer.objects.bulk_create(
                [
                    Customer(name=c.name, organization=c.organization, created_at=now)
                    for c in checked
                ]
            )
            ContactIdentity.objects.bulk_create(
                ContactIdentity(
                    customer=customer, kind=ContactIdentity.Kind.EMAIL, value=value, created_at=now
                )
                for customer, c in zip(customers, checked, strict=True)
                for value in c.emails
            )
            audit.record_many(
                [
                    audit.Change(
                        "customer.created",
                        actor=actor,
                        new={
                            "customer": customer.pk,
                            "name": c.name,
                            "organization": c.organization.name if c.organization else None,
                            "emails": list(c.emails),
                        },
                    )
                    for customer, c in zip(customers, checked, strict=True)
                ],
                now=now,
            )
    except IntegrityError:
        raise Conflict(
            "One of these addresses already belongs to another customer.", code="email_taken"
        ) from None
    return customers


def do_create_customer(
    *,
    actor: User,
    name: str,
    now: datetime,
    organization: Organization | None = None,
    emails: list[str] | None = None,
) -> Customer:
    """Staff add a customer with the addresses they can be reached at."""
    new = NewCustomer(name, emails or [], organization)
    return do_create_customers([new], actor=actor, now=now)[0]


def do_update_customer(
    customer: Customer,
    *,
    actor: User,
    now: datetime,
    name: str | _Unset = UNSET,
    organization: Organization | _Unset | None = UNSET,
) -> Customer:
    _require_staff(actor)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if not isinstance(name, _Unset):
            new_name = clean_line(name, max_chars=MAX_NAME, field="name")
            if new_name != customer.name:
                audit.record(
                    "customer.changed",
                    actor=actor,
                    now=now,
                    field="name",
                    old={"customer": customer.pk, "name": customer.name},
                    new={"customer": customer.pk, "name": new_name},
                )
                customer.name = new_name
                customer.save(update_fields=["name"])
        if not isinstance(organization, _Unset) and organization != customer.organization:
            old_org = customer.organization
            audit.record(
                "customer.changed",
                actor=actor,
                now=now,
                field="organization",
                old={"customer": customer.pk, "organization": old_org.name if old_org else None},
                new={
                    "customer": customer.pk,
                    "organization": organization.name if organization else None,
                },
            )
            customer.organization = organization
            customer.save(update_fields=["organization"])
    return customer


LANGUAGES: Final = frozenset(code for code, _ in Language.choices if code)


def do_set_customer_language(
    customer: Customer, *, actor: User | None, language: str, now: datetime, how: str = ""
) -> Customer:
    """Set the language of the customer's portal and mails. The customer sets their own
    (the portal switcher), staff set anyone's (API, admin); ``actor=None`` is the
    system detecting it (the browser's language at the first sign-in). ``how`` says
    where it came from, for the audit note ("switcher", "browser", "admin"...)."""
    code = (language or "").strip().lower()[:16]
    if code not in LANGUAGES:
        raise DomainError(
            f"“{code[:16]}” is not a language we offer; choose one of"
            f" {', '.join(sorted(LANGUAGES))}.",
            code="unknown_language",
        )
    if actor is not None and not actor.is_agent_staff:
        own = getattr(actor, "customer", None)
        if own is None or own.pk != customer.pk:
            raise PermissionDenied("Customers choose only their own language.")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.language == code:
            return customer
        audit.record(
            "customer.changed",
            actor=actor,
            now=now,
            field="language",
            old={"customer": customer.pk, "language": customer.language},
            new={"customer": customer.pk, "language": code},
            note=how[:60],
        )
        customer.language = code
        customer.save(update_fields=["language"])
    return customer


def _check_org_fields(tier: str | _Unset, vip_note: str | _Unset) -> None:
    if not isinstance(tier, _Unset) and tier not in Tier.values:
        raise DomainError(f"Unknown tier {tier!r}.", code="invalid_tier")
    if not isinstance(vip_note, _Unset) and len(vip_note) > MAX_VIP_NOTE:
        raise DomainError(
            f"The VIP note is too long (limit {MAX_VIP_NOTE:,} characters).", code="too_long"
        )


def do_create_organization(
    *,
    actor: User,
    name: str,
    now: datetime,
    tier: str = Tier.STANDARD,
    shared_cases: bool = False,
    vip_note: str = "",
) -> Organization:
    """Managers set up organizations; tier and VIP handling are explicit and audited (P8)."""
    _require_manager(actor)
    name = clean_line(name, max_chars=MAX_NAME, field="name")
    _check_org_fields(tier, vip_note)
    note = (
        clean_body(vip_note, max_chars=MAX_VIP_NOTE, field="VIP note") if vip_note.strip() else ""
    )
    try:
        with transaction.atomic():
            if Organization.objects.filter(name__iexact=name).exists():
                raise Conflict(f"An organization called “{name}” exists.", code="name_taken")
            org = Organization.objects.create(
                name=name, tier=tier, shared_cases=shared_cases, vip_note=note, created_at=now
            )
            audit.record(
                "organization.created",
                actor=actor,
                now=now,
                new={
                    "organization": org.pk,
                    "name": name,
                    "tier": tier,
                    "shared_cases": shared_cases,
                    "vip_note": note,
                },
            )
    except IntegrityError:
        raise Conflict(f"An organization called “{name}” exists.", code="name_taken") from None
    return org


def do_update_organization(
    organization: Organization,
    *,
    actor: User,
    now: datetime,
    name: str | _Unset = UNSET,
    tier: str | _Unset = UNSET,
    shared_cases: bool | _Unset = UNSET,
    vip_note: str | _Unset = UNSET,
) -> Organization:
    _require_manager(actor)
    _check_org_fields(tier, vip_note)
    wanted: dict[str, object] = {}
    if not isinstance(name, _Unset):
        wanted["name"] = clean_line(name, max_chars=MAX_NAME, field="name")
    if not isinstance(tier, _Unset):
        wanted["tier"] = tier
    if not isinstance(shared_cases, _Unset):
        wanted["shared_cases"] = shared_cases
    if not isinstance(vip_note, _Unset):
        wanted["vip_note"] = (
            clean_body(vip_note, max_chars=MAX_VIP_NOTE, field="VIP note")
            if vip_note.strip()
            else ""
        )
    try:
        with transaction.atomic():
            org = Organization.objects.select_for_update().get(pk=organization.pk)
            new_name = wanted.get("name")
            if (
                isinstance(new_name, str)
                and Organization.objects.filter(name__iexact=new_name).exclude(pk=org.pk).exists()
            ):
                raise Conflict(f"An organization called “{new_name}” exists.", code="name_taken")
            changed = {k: v for k, v in wanted.items() if getattr(org, k) != v}
            if not changed:
                return org
            old = {k: getattr(org, k) for k in changed}
            for key, value in changed.items():
                setattr(org, key, value)
            org.save(update_fields=list(changed))
            audit.record(
                "organization.changed",
                actor=actor,
                now=now,
                old={"organization": org.pk, **old},
                new={"organization": org.pk, **changed},
            )
    except IntegrityError:
        raise Conflict("An organization with that name exists.", code="name_taken") from None
    return org
