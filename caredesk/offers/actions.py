"""Every change to offers: define an offer, make one to a customer, record the answer.

Each action runs in one transaction and writes its audit event there (``tickets.audit``
on the case when there is one, else ``core.events.emit``). Making and accepting an offer
pass :func:`caredesk.offers.lock.offers_unlocked` first, whoever asks — an admin too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from caredesk.accounts.models import Role, User
from caredesk.core import events
from caredesk.core.clock import require_aware
from caredesk.core.errors import Conflict, DomainError, PermissionDenied
from caredesk.customers.models import Customer, Organization
from caredesk.offers import eligibility
from caredesk.offers.lock import lock_state
from caredesk.offers.models import Offer, OfferMade, Outcome, Segment, Surface, offer_field_errors
from caredesk.tickets import audit
from caredesk.tickets.models import Tag, Ticket

DEFINERS = (Role.MANAGER, Role.ADMIN)


def _require_definer(actor: User) -> None:
    if not actor.is_agent_staff or actor.role not in DEFINERS:
        raise PermissionDenied(gettext("Only a manager or an admin defines offers."))


def _offer_summary(offer: Offer) -> dict[str, Any]:
    return {
        "offer": offer.pk,
        "name": offer.name,
        "kind": offer.kind,
        "code": offer.code,
        "is_active": offer.is_active,
        "tiers": list(offer.tiers),
        "starts_at": offer.starts_at.isoformat() if offer.starts_at else None,
        "ends_at": offer.ends_at.isoformat() if offer.ends_at else None,
    }


def do_save_offer(
    offer: Offer,
    *,
    actor: User,
    now: datetime,
    organizations: Iterable[Organization] | None = None,
    segments: Iterable[Segment] | None = None,
    tags: Iterable[Tag] | None = None,
) -> Offer:
    """Create or change an offer (the admin page and the API). Refused whole when a
    field is wrong; nothing is half-written."""
    require_aware(now, "now")
    _require_definer(actor)
    offer.name = " ".join(str(offer.name or "").split())
    offer.code = str(offer.code or "").strip().upper()
    offer.text = str(offer.text or "").strip()
    errors = offer_field_errors(
        name=offer.name,
        kind=offer.kind,
        text=offer.text,
        code=offer.code,
        tiers=offer.tiers,
        starts_at=offer.starts_at,
        ends_at=offer.ends_at,
    )
    if errors:
        field, message = next(iter(errors.items()))
        raise DomainError(f"{field}: {message}", code="invalid_offer", details=errors)
    with transaction.atomic():
        old = None
        if offer.pk is not None:
            before = Offer.objects.select_for_update().filter(pk=offer.pk).first()
            old = _offer_summary(before) if before is not None else None
        elif Offer.objects.filter(name__iexact=offer.name).exists():
            raise Conflict(f"An offer named {offer.name!r} exists already.", code="duplicate")
        try:
            with transaction.atomic():
                offer.save()
        except IntegrityError:
            raise Conflict(
                f"An offer named {offer.name!r} exists already.", code="duplicate"
            ) from None
        if organizations is not None:
            offer.organizations.set(list(organizations))
        if segments is not None:
            offer.segments.set(list(segments))
        if tags is not None:
            offer.tags.set(list(tags))
        events.emit(
            "offer.saved",
            now=now,
            actor_id=actor.pk,
            actor_label=actor.display_name,
            data={"old": old, "new": _offer_summary(offer)},
        )
    return offer


def _audit(
    made: OfferMade, actor: User | None, verb: str, now: datetime, old: Any, new: Any
) -> None:
    if made.ticket_id is not None:
        ticket = Ticket.objects.get(pk=made.ticket_id)
        audit.record(ticket, actor, verb, now=now, field="offer", old=old, new=new)
        return
    events.emit(
        verb.replace("_", ".", 1),
        now=now,
        actor_id=actor.pk if actor else None,
        actor_label=actor.display_name if actor else "caredesk",
        data={"field": "offer", "old": old, "new": new},
    )


def _require_unlocked(customer: Customer, now: datetime) -> None:
    unlocked, code, reason = lock_state(customer, now)
    if not unlocked:
        raise Conflict(reason, code="offers_locked", details={"lock": code})


def _may_act_for(actor: User | None, customer: Customer, surface: str) -> None:
    if actor is None:
        if surface != Surface.MAIL:
            raise PermissionDenied(
                gettext("Only an automatic mail makes an offer without a person.")
            )
        return
    if actor.is_customer:
        if customer.user_id != actor.pk or surface not in (Surface.PORTAL, Surface.API):
            raise PermissionDenied(gettext("A customer answers only their own offers."))
        return
    if not actor.is_agent_staff:
        raise PermissionDenied(gettext("Only staff make offers."))


def do_make_offer(
    offer: Offer,
    customer: Customer,
    *,
    actor: User | None,
    surface: str,
    now: datetime,
    ticket: Ticket | None = None,
) -> OfferMade:
    """Make ``offer`` to ``customer``: refused (409) while the offers are locked, when the
    customer is not eligible, or while the same offer waits for the customer's answer."""
    require_aware(now, "now")
    if surface not in Surface.values:
        raise DomainError(f"Unknown surface {str(surface)[:40]!r}.", code="invalid_surface")
    _may_act_for(actor, customer, surface)
    if actor is not None and actor.is_customer:
        raise PermissionDenied(gettext("Customers answer offers; staff make them."))
    if ticket is not None and ticket.customer_id != customer.pk:
        raise DomainError(gettext("That case is another customer's."), code="wrong_case")
    with transaction.atomic():
        # One writer per customer at a time: two agents cannot both make the offer.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        _require_unlocked(customer, now)
        reason = eligibility.check(offer, customer, now)
        if reason:
            raise Conflict(reason, code="not_eligible")
        before = OfferMade.objects.filter(offer=offer, customer=customer).first()
        if before is not None:
            waiting = before.outcome == Outcome.PENDING
            raise Conflict(
                f"{offer.name} was offered already and "
                + ("waits for the customer's answer." if waiting else f"was {before.outcome}.")
                + " An offer goes to a customer once.",
                code="already_offered",
            )
        made = OfferMade.objects.create(
            offer=offer,
            customer=customer,
            ticket=ticket,
            made_by=actor,
            surface=surface,
            made_at=now,
        )
        _audit(
            made,
            actor,
            "offer_made",
            now,
            None,
            {"made": made.pk, "offer": offer.pk, "name": offer.name, "surface": surface},
        )
    return made


def _answer(made: OfferMade, *, accept: bool, actor: User, now: datetime) -> OfferMade:
    require_aware(now, "now")
    customer = made.customer
    if actor.is_customer:
        if customer.user_id != actor.pk:
            raise PermissionDenied(gettext("A customer answers only their own offers."))
    elif not actor.is_agent_staff:
        raise PermissionDenied(gettext("Only the customer or staff record an answer."))
    outcome = Outcome.ACCEPTED if accept else Outcome.DECLINED
    with transaction.atomic():
        if accept:
            # Accepting is taking the offer: not while the customer's problem is unsolved.
            _require_unlocked(customer, now)
        updated = OfferMade.objects.filter(pk=made.pk, outcome=Outcome.PENDING).update(
            outcome=outcome, answered_at=now, answered_by=actor
        )
        if updated != 1:
            raise Conflict("This offer was answered already.", code="already_answered")
        made.refresh_from_db()
        _audit(
            made,
            actor,
            "offer_accepted" if accept else "offer_declined",
            now,
            {"made": made.pk, "outcome": Outcome.PENDING},
            {"made": made.pk, "offer": made.offer_id, "outcome": outcome},
        )
    return made


def do_accept_offer(made: OfferMade, *, actor: User, now: datetime) -> OfferMade:
    """The customer takes the offer (or staff record that they did). Locked like making."""
    return _answer(made, accept=True, actor=actor, now=now)


def do_decline_offer(made: OfferMade, *, actor: User, now: datetime) -> OfferMade:
    """The customer says no. Always possible: declining never needs a step more."""
    return _answer(made, accept=False, actor=actor, now=now)


def do_answer_offer(
    offer: Offer, customer: Customer, *, accept: bool, actor: User, surface: str, now: datetime
) -> OfferMade:
    """A customer answers an offer shown to them (portal, customer API): the offer made
    on an earlier surface if one waits, else it is made here and answered at once."""
    if not actor.is_customer or customer.user_id != actor.pk:
        raise PermissionDenied(gettext("A customer answers only their own offers."))
    if surface not in (Surface.PORTAL, Surface.API):
        raise DomainError(f"Unknown surface {str(surface)[:40]!r}.", code="invalid_surface")
    with transaction.atomic():
        made = OfferMade.objects.filter(
            offer=offer, customer=customer, outcome=Outcome.PENDING
        ).first()
        if made is None and OfferMade.objects.filter(offer=offer, customer=customer).exists():
            raise Conflict("You answered this offer already.", code="already_answered")
        if made is None:
            # Shown in the portal (or listed by the API) and answered there: recorded as
            # made on that surface and answered in the same transaction. Only an offer
            # that could be shown can be answered: unlocked and eligible.
            _require_unlocked(customer, now)
            made = _make_for_customer(offer, customer, surface=surface, now=now, actor=actor)
        return _answer(made, accept=accept, actor=actor, now=now)


def _make_for_customer(
    offer: Offer, customer: Customer, *, surface: str, now: datetime, actor: User
) -> OfferMade:
    reason = eligibility.check(offer, customer, now)
    if reason:
        raise Conflict(reason, code="not_eligible")
    made = OfferMade.objects.create(
        offer=offer, customer=customer, made_by=None, surface=surface, made_at=now
    )
    _audit(
        made,
        actor,
        "offer_made",
        now,
        None,
        {"made": made.pk, "offer": offer.pk, "name": offer.name, "surface": surface},
    )
    return made
