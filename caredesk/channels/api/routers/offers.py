"""Offers (P4): what a customer may be offered (nothing while the lock is closed), making
an offer, the customer's answer, offer definitions and the report. The same actions and
the same lock as the case page and the portal: no token bypasses it, an admin's neither.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from caredesk.accounts.models import User
from caredesk.channels.api.auth import api_user, require_staff
from caredesk.channels.api.errors import ERROR_CODES, ApiError
from caredesk.channels.api.schemas import ErrorOut, Id, InSchema, _Clean
from caredesk.core import clock
from caredesk.core.errors import DomainError, NotFound, PermissionDenied
from caredesk.customers.models import Customer, Organization
from caredesk.offers import actions
from caredesk.offers.models import MAX_TEXT, Offer, OfferMade, Segment, Surface
from caredesk.offers.report import offer_report
from caredesk.offers.selectors import offers_for
from caredesk.tickets.access import access_ticket, visible_tickets
from caredesk.tickets.models import Tag

router = Router(tags=["offers"])

OfferText = Annotated[str, StringConstraints(max_length=MAX_TEXT), _Clean]
OfferName = Annotated[str, StringConstraints(max_length=120), _Clean]
OfferCode = Annotated[str, StringConstraints(max_length=40), _Clean]
TierName = Annotated[str, StringConstraints(max_length=40), _Clean]


class OfferOut(Schema):
    id: int
    name: str
    kind: str
    text: str
    code: str
    is_active: bool
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    tiers: list[str]
    organization_ids: list[int]
    segment_ids: list[int]
    tags: list[str]


class OfferMadeOut(Schema):
    id: int
    offer: OfferOut
    customer_id: int
    case_id: int | None = None
    made_by: str | None = Field(None, description="The staff member; null for mail or portal.")
    surface: Literal["workspace", "portal", "mail", "api"]
    made_at: datetime
    outcome: Literal["pending", "accepted", "declined"]
    answered_at: datetime | None = None


class CustomerOffersOut(Schema):
    unlocked: bool = Field(description="False while the P4 lock is closed: offers is then [].")
    lock: str = Field(
        description="Why it is locked: open_case, mood_unknown, negative_mood, "
        "complained; empty when unlocked."
    )
    reason: str = Field(description="The same in words, for people.")
    offers: list[OfferOut] = Field(
        description="Eligible offers never made to the customer (customer tokens: code "
        "withheld until accepted)."
    )
    pending: list[OfferMadeOut] = Field(description="Offers made, waiting for an answer.")


class MakeOfferIn(InSchema):
    offer_id: Id
    case_id: Id | None = Field(None, description="The case the offer is made on, if any.")


class AnswerIn(InSchema):
    accept: bool


class OfferIn(InSchema):
    name: OfferName
    kind: Literal["upsell", "retention", "loyalty"]
    text: OfferText = Field(description=f"What the customer reads, at most {MAX_TEXT} chars.")
    code: OfferCode = ""
    is_active: bool = True
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    tiers: list[TierName] = Field(default_factory=list, max_length=10)
    organization_ids: list[Id] = Field(default_factory=list, max_length=500)
    segment_ids: list[Id] = Field(default_factory=list, max_length=100)
    tags: list[Annotated[str, StringConstraints(max_length=50), _Clean]] = Field(
        default_factory=list, max_length=100
    )


class ReportRowOut(Schema):
    offer_id: int
    name: str
    kind: str
    made: int
    accepted: int
    declined: int
    pending: int


class ReportFilters(Schema):
    since: datetime | None = Field(None, description="Default: 30 days before until.")
    until: datetime | None = Field(None, description="Default: now.")


class ReportOut(Schema):
    since: datetime
    until: datetime
    rows: list[ReportRowOut]


def _offer_out(o: Offer, *, code: bool = True) -> OfferOut:
    """``code`` False: the voucher code is withheld (a customer gets it by accepting)."""
    return OfferOut(
        id=o.pk,
        name=o.name,
        kind=o.kind,
        text=o.text,
        code=o.code if code else "",
        is_active=o.is_active,
        starts_at=o.starts_at,
        ends_at=o.ends_at,
        tiers=list(o.tiers),
        organization_ids=sorted(x.pk for x in o.organizations.all()),
        segment_ids=sorted(x.pk for x in o.segments.all()),
        tags=sorted(t.name for t in o.tags.all()),
    )


def _made_out(m: OfferMade) -> OfferMadeOut:
    return OfferMadeOut(
        id=m.pk,
        offer=_offer_out(m.offer),
        customer_id=m.customer_id,
        case_id=m.ticket_id,
        made_by=m.made_by.display_name if m.made_by else None,
        surface=m.surface,  # type: ignore[arg-type]
        made_at=m.made_at,
        outcome=m.outcome,  # type: ignore[arg-type]
        answered_at=m.answered_at,
    )


def _customer_for(user: User, customer_id: int) -> Customer:
    """The customer, if this token may see them: staff who see one of their cases (or all
    cases), a customer token only itself. Anyone else: 404."""
    customer = Customer.objects.select_related("organization").filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("No such customer.")
    if user.is_customer:
        if customer.user_id != user.pk:
            raise NotFound("No such customer.")
    elif not (
        user.sees_all_cases or visible_tickets(user).filter(customer_id=customer.pk).exists()
    ):
        raise NotFound("No such customer.")
    return customer


@router.get(
    "/customers/{customer_id}/offers", response={200: CustomerOffersOut, ERROR_CODES: ErrorOut}
)
def list_customer_offers(request: HttpRequest, customer_id: Id) -> CustomerOffersOut:
    """What may be offered to the customer now: `[]` with the reason while locked (an
    unresolved case, a negative or not yet known mood, a complaint about the latest
    case). Staff tokens, or a customer token for its own id."""
    user = api_user(request)
    customer = _customer_for(user, customer_id)
    view = offers_for(customer, clock.now())
    return CustomerOffersOut(
        unlocked=view.unlocked,
        lock=view.lock,
        reason=view.reason,
        offers=[_offer_out(o, code=not user.is_customer) for o in view.available],
        pending=[_made_out(m) for m in view.pending],
    )


def _made(made_id: int) -> OfferMade:
    made = (
        OfferMade.objects.select_related("offer", "customer", "made_by").filter(pk=made_id).first()
    )
    if made is None:
        raise NotFound("No such offer.")
    return made


@router.post("/customers/{customer_id}/offers", response={201: OfferMadeOut, ERROR_CODES: ErrorOut})
def make_offer(request: HttpRequest, customer_id: Id, payload: MakeOfferIn) -> Status[Any]:
    """Make an offer (staff tokens). 409 `offers_locked` with the reason while the lock is
    closed — for every role, admins included; 409 `not_eligible`, `already_offered`."""
    user = require_staff(request)
    customer = _customer_for(user, customer_id)
    offer = Offer.objects.filter(pk=payload.offer_id).first()
    if offer is None:
        raise ApiError(422, f"There is no offer with id {payload.offer_id}.", code="unknown_offer")
    ticket = access_ticket(user, payload.case_id) if payload.case_id is not None else None
    made = actions.do_make_offer(
        offer, customer, actor=user, surface=Surface.API, ticket=ticket, now=clock.now()
    )
    return Status(201, _made_out(_made(made.pk)))


def _answer(request: HttpRequest, made_id: int, *, accept: bool) -> OfferMadeOut:
    user = api_user(request)
    made = _made(made_id)
    _customer_for(user, made.customer_id)
    if accept:
        actions.do_accept_offer(made, actor=user, now=clock.now())
    else:
        actions.do_decline_offer(made, actor=user, now=clock.now())
    return _made_out(_made(made.pk))


@router.post("/offers/made/{made_id}/accept", response={200: OfferMadeOut, ERROR_CODES: ErrorOut})
def accept_offer(request: HttpRequest, made_id: Id) -> OfferMadeOut:
    """The customer accepted (their token, or staff recording it). 409 while locked or
    when answered already."""
    return _answer(request, made_id, accept=True)


@router.post("/offers/made/{made_id}/decline", response={200: OfferMadeOut, ERROR_CODES: ErrorOut})
def decline_offer(request: HttpRequest, made_id: Id) -> OfferMadeOut:
    """The customer declined. 409 when answered already."""
    return _answer(request, made_id, accept=False)


@router.post(
    "/customers/me/offers/{offer_id}/answer", response={200: OfferMadeOut, ERROR_CODES: ErrorOut}
)
def answer_offer(request: HttpRequest, offer_id: Id, payload: AnswerIn) -> OfferMadeOut:
    """A customer token answers an offer listed for it (as in the portal). 409 while
    locked or when the offer is not for this customer."""
    user = api_user(request)
    if not user.is_customer:
        raise PermissionDenied("This endpoint is for customer tokens.", code="customer_only")
    customer = getattr(user, "customer", None)
    if customer is None:
        raise PermissionDenied("This token has no customer record.", code="no_customer")
    offer = Offer.objects.filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("No such offer.")
    made = actions.do_answer_offer(
        offer, customer, accept=payload.accept, actor=user, surface=Surface.API, now=clock.now()
    )
    return _made_out(_made(made.pk))


@router.get("/offers", response={200: list[OfferOut], ERROR_CODES: ErrorOut})
def list_offers(request: HttpRequest) -> list[OfferOut]:
    """Every offer defined (staff tokens); whom it may reach is decided per customer."""
    require_staff(request)
    rows = Offer.objects.prefetch_related("organizations", "segments", "tags").order_by("name")
    return [_offer_out(o) for o in rows[:500]]


def _all_found(model: Any, ids: list[int], what: str) -> list[Any]:
    found = list(model.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        missing = sorted(set(ids) - {x.pk for x in found})
        raise ApiError(422, f"There is no {what} with id {missing[0]}.", code=f"unknown_{what}")
    return found


@router.post("/offers", response={201: OfferOut, ERROR_CODES: ErrorOut})
def create_offer(request: HttpRequest, payload: OfferIn) -> Status[Any]:
    """Define an offer (managers and admins). 422 with the field for a wrong value (an
    unknown tier, a bad code, an end before the start, too long a text); 409 for a name
    in use."""
    user = require_staff(request)
    orgs = _all_found(Organization, payload.organization_ids, "organization")
    segments = _all_found(Segment, payload.segment_ids, "segment")
    tags = list(Tag.objects.filter(name__in=payload.tags))
    if len(tags) != len(set(payload.tags)):
        missing = sorted(set(payload.tags) - {t.name for t in tags})
        raise ApiError(422, f"There is no tag named {missing[0]!r}.", code="unknown_tag")
    offer = Offer(
        name=payload.name,
        kind=payload.kind,
        text=payload.text,
        code=payload.code,
        is_active=payload.is_active,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        tiers=list(payload.tiers),
    )
    try:
        actions.do_save_offer(
            offer, actor=user, now=clock.now(), organizations=orgs, segments=segments, tags=tags
        )
    except DomainError as error:
        if error.code == "invalid_offer":
            raise ApiError(
                422, error.message, code="invalid_offer", details=error.details
            ) from None
        raise
    return Status(201, _offer_out(offer))


@router.get("/offers/report", response={200: ReportOut, ERROR_CODES: ErrorOut})
def offers_report(request: HttpRequest, filters: Query[ReportFilters]) -> ReportOut:
    """Offers made, accepted, declined and waiting, per offer, made in [since, until)."""
    user = require_staff(request)
    if user.role == "agent":
        raise PermissionDenied("The offers report is for leads, managers and admins.")
    until = filters.until or clock.now()
    since = filters.since or until - timedelta(days=30)
    if since.tzinfo is None or until.tzinfo is None:
        raise ApiError(422, "since and until need a time zone (e.g. Z).", code="naive_time")
    if until <= since:
        raise ApiError(422, "until must be after since.", code="invalid_period")
    rows = offer_report(since, until)
    return ReportOut(
        since=since,
        until=until,
        rows=[ReportRowOut(**{k: getattr(r, k) for k in ReportRowOut.model_fields}) for r in rows],
    )
