"""Typed request and response bodies. Every write schema is an explicit allow-list:
unknown fields are refused (``extra="forbid"``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from caredesk.channels.api import limits
from caredesk.customers.models import Tier
from caredesk.tickets.models import Priority, Status


def _clean_text(value: str) -> str:
    """Text we can store anywhere: no NUL characters and no lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


_Clean = AfterValidator(_clean_text)
# Bodies are checked against CAREDESK_MAX_BODY_CHARS by the actions, with a clear message;
# this ceiling only stops absurd payloads early.
Body = Annotated[str, StringConstraints(max_length=1_000_000), _Clean]
Line = Annotated[str, StringConstraints(max_length=255), _Clean]
Filename = Annotated[str, StringConstraints(min_length=1, max_length=255), _Clean]
ContentType = Annotated[str, StringConstraints(max_length=127), _Clean]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), _Clean]
Email = Annotated[str, StringConstraints(max_length=254), _Clean]
TagName = Annotated[str, StringConstraints(max_length=50), _Clean]
SearchText = Annotated[str, StringConstraints(max_length=200), _Clean]
Note = Annotated[str, StringConstraints(max_length=5000), _Clean]
# One attachment of CAREDESK_MAX_ATTACHMENT_BYTES in base64 (13.4 MB for 10 MB); the
# request body as a whole is limited to that plus overhead (limits.max_body_bytes).
Base64 = Annotated[str, StringConstraints(max_length=limits.max_base64_chars())]
Id = Annotated[int, Field(ge=1, le=2**62)]
# A custom field's value (docs/custom-fields.md): text, a select's option, a date
# (YYYY-MM-DD) as a string; a number; a multi select's options; a ticked checkbox (true);
# null when empty.
FieldValue = bool | int | float | str | list[str] | None
FIELDS_DESCRIPTION = (
    "Custom fields by key that the token's staff member sees (docs/custom-fields.md); "
    "null for customer tokens. Set them with PATCH /api/v1/fields/values/{target}/{id}."
)


class InSchema(Schema):
    model_config = ConfigDict(extra="forbid")


def _strip_nulls(schema: dict[str, Any], model: type[Any]) -> None:
    """In the documented schema, the fields a PATCH refuses as null are not nullable
    (they may be left out, not sent as null), so docs, fuzzers and the server agree."""
    properties = schema.get("properties", {})
    for name in getattr(model, "NOT_NULL", ()):
        prop = properties.get(name)
        if not prop or "anyOf" not in prop:
            continue
        options = [o for o in prop.pop("anyOf") if o.get("type") != "null"]
        if len(options) == 1:
            prop.update(options[0])
        else:
            prop["anyOf"] = options
        if prop.get("default", "") is None:
            del prop["default"]


class PatchSchema(InSchema):
    """A partial update: fields left out stay as they are. ``NOT_NULL`` names the fields
    that cannot be cleared (null is refused with 422 ``null_not_allowed``)."""

    NOT_NULL: ClassVar[tuple[str, ...]] = ()
    model_config = ConfigDict(extra="forbid", json_schema_extra=_strip_nulls)


# --- shared pieces ---------------------------------------------------------------------


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


class Ref(Schema):
    id: int
    name: str


class OrganizationRef(Schema):
    id: int
    name: str
    tier: str


# --- cases -----------------------------------------------------------------------------


class AttachmentIn(InSchema):
    filename: Filename
    content_type: ContentType = ""
    content_base64: Base64 = Field(
        description=(
            f"The file in base64: up to {limits.max_attachment_bytes() // 1048576} MB per file. "
            f"The whole request body is limited to {limits.max_body_bytes() / 1048576:.1f} MB "
            "(413 above it)."
        )
    )


class CaseSlaOut(Schema):
    """Staff only: the case's SLA deadlines as stored on the case (business time of its
    policy's calendar, worked out into instants)."""

    policy_id: int | None = None
    first_response_due_at: datetime | None = None
    next_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    paused: bool = False
    breached: bool = False


class CaseOut(Schema):
    id: int
    reference: str
    subject: str
    status: str
    priority: str
    channel: str
    customer: Ref
    # Staff only; null for customer tokens.
    organization: OrganizationRef | None = None
    team: Ref | None = None
    assignee: Ref | None = None
    tags: list[str] = []
    sla: CaseSlaOut | None = Field(None, description="Staff only; null for customer tokens.")
    time_spent_minutes: int | None = Field(
        None, description="Staff only: the minutes recorded with replies and notes on the case."
    )
    message_count: int
    reopen_count: int
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution_outcome: str | None = Field(
        None,
        description=(
            "How the last resolution ended: pending (awaiting the customer's answer), "
            "confirmed, rejected (reopened by the customer), unconfirmed (no answer in "
            "time), closed_by_staff, reopened (before an answer); null: never resolved. "
            "History: GET /cases/{id}/resolutions."
        ),
    )
    follow_up_of: int | None = Field(
        None, description="The closed case this one follows up on (the customer wrote again)."
    )
    merged_into: int | None = Field(
        None,
        description="Staff only: the case this one was merged into (status merged; "
        "docs/merge-and-links.md).",
    )

    mood: MoodOut | None = Field(
        None,
        description="Staff only: the current mood, the recency-weighted mean of the last "
        "customer messages' sentiment (docs/offers.md); null until one is scored.",
    )


class ResolutionOut(Schema):
    id: int
    outcome: str
    resolved_at: datetime
    answered_at: datetime | None = None
    asked_at: datetime | None = None
    confirm_due_at: datetime | None = None
    counts_as_reopen: bool
    # Staff only.
    agent_id: int | None = None
    team_id: int | None = None


class ResolutionAnswerIn(Schema):
    solved: bool
    words: str = Field("", max_length=5000)


class CaseDetailOut(CaseOut):
    original_request: str
    fields: dict[str, FieldValue] | None = Field(None, description=FIELDS_DESCRIPTION)


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None = Field(
        None, description="Pass as ?cursor= for the next page; null on the last page."
    )


class CaseFilters(Schema):
    status: Status | None = None
    priority: Priority | None = None
    team: Id | None = None
    assignee: Id | None = None
    customer: Id | None = None
    tag: TagName | None = None
    tier: Tier | None = None
    q: SearchText | None = Field(None, description="Full-text search; results ranked.")
    field: Annotated[str, StringConstraints(max_length=600), _Clean] | None = Field(
        None,
        description="Staff only: a custom case field's value, as key=value "
        "(a multi select: one of its options), served by the field's value index.",
    )


class CaseCreateIn(InSchema):
    subject: Line
    body: Body
    customer_id: Id | None = Field(None, description="Staff tokens only: the customer.")
    team_id: Id | None = Field(None, description="Staff tokens only.")
    priority: Priority | None = Field(None, description="Staff tokens only.")
    attachments: list[AttachmentIn] = Field(
        default_factory=list,
        max_length=100,
        description="At most CAREDESK_MAX_ATTACHMENTS files (10 by default); more are refused.",
    )
    fields: dict[Annotated[str, StringConstraints(max_length=40)], FieldValue] | None = Field(
        None,
        max_length=100,
        description="Custom fields by key: customer tokens the public case fields, staff "
        "tokens the fields they see (docs/custom-fields.md). A refused value opens nothing.",
    )


class CasePatchIn(PatchSchema):
    NOT_NULL = ("status", "priority", "tags")
    status: Status | None = None
    priority: Priority | None = Field(None, description="Staff tokens only.")
    team_id: Id | None = Field(None, description="Staff tokens only; null clears the team.")
    assignee_id: Id | None = Field(None, description="Staff tokens only; null unassigns.")
    handoff_note: Note | None = Field(None, description="Sent with an assignment.")
    tags: list[TagName] | None = Field(None, max_length=100, description="Staff only.")


# --- messages --------------------------------------------------------------------------


class Author(Schema):
    kind: Literal["staff", "customer", "system"]
    name: str


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class AbuseOut(Schema):
    flagged: bool = Field(description="True while the message is hidden behind a click as abusive.")
    score: float
    reasons: list[str]
    unflagged_at: datetime | None = None


class SentimentOut(Schema):
    label: Literal["positive", "neutral", "negative"]
    compound: float = Field(description="VADER compound score, -1 (very negative) to +1.")


class MoodOut(SentimentOut):
    scored_messages: int = Field(description="Customer messages scored on the case.")
    updated_at: datetime


class MessageOut(Schema):
    id: int
    kind: str
    author: Author
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]
    abuse: AbuseOut | None = Field(
        None, description="Staff only: the abuse score, when the message was scored."
    )
    sentiment: SentimentOut | None = Field(
        None, description="Staff only: the sentiment of a customer message, once scored."
    )
    cc: list[str] = Field(default_factory=list, description="Who the reply was copied to.")
    bcc: list[str] | None = Field(
        None, description="Staff only: the reply's blind copies (never shown to customers)."
    )


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None = None


class MessageCreateIn(InSchema):
    body: Body
    kind: Literal["reply", "note"] | None = Field(
        None, description="Staff tokens only (default reply). Customers always write public."
    )
    status_after: Status | None = Field(None, description="Staff replies only.")
    send_anyway: bool | None = Field(
        None,
        description=(
            "Staff replies only. A reply that seems not to answer the customer's open "
            "questions is refused with 409 reply_may_not_answer and the check in details; "
            "send it again with send_anyway true to send it as it is (recorded on the case)."
        ),
    )
    attachments: list[AttachmentIn] = Field(
        default_factory=list,
        max_length=100,
        description="At most CAREDESK_MAX_ATTACHMENTS files (10 by default); more are refused.",
    )
    policy_versions: list[int] = Field(
        default_factory=list,
        max_length=10,
        description="Staff replies only: ids of the policy versions whose text the reply "
        "carries; each is recorded as told (how=reply, evidence=the message).",
    )
    cc: list[Email] = Field(
        default_factory=list,
        max_length=20,
        description="Staff replies only: at most 20 addresses that get the reply in its Cc "
        "header, shown on the message to the customer, and that become email participants "
        "of the case (their answers land on it).",
    )
    bcc: list[Email] = Field(
        default_factory=list,
        max_length=20,
        description="Staff replies only: at most 20 addresses that get the reply on the "
        "envelope only; never in a header, never shown to the customer.",
    )
    minutes: int | None = Field(
        None,
        description="Staff replies and notes only: time spent, 0-1440 minutes, recorded as "
        "the agent's time entry on the case.",
    )


# --- customers and organizations -------------------------------------------------------


class CustomerOut(Schema):
    id: int
    name: str
    organization: OrganizationRef | None = None
    emails: list[str]
    language: str = Field(
        "",
        description='The language of the customer\'s portal and mails: "en", "de", "fr",'
        ' "es", or "" until known (then English).',
    )
    created_at: datetime
    fields: dict[str, FieldValue] | None = Field(None, description=FIELDS_DESCRIPTION)


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None = None


class CustomerFilters(Schema):
    email: Email | None = None
    organization: Id | None = None


class CustomerCreateIn(InSchema):
    name: Name
    organization_id: Id | None = None
    emails: list[Email] = Field(default_factory=list, max_length=20)


class CustomerPatchIn(PatchSchema):
    NOT_NULL = ("name",)
    name: Name | None = None
    organization_id: Id | None = Field(None, description="null removes the organization.")
    language: Literal["en", "de", "fr", "es"] | None = Field(
        None, description="The language of the customer's portal and mails."
    )


class CustomerMePatchIn(Schema):
    language: Literal["en", "de", "fr", "es"] = Field(
        description="The language of your portal and of the mails we send you."
    )


class OrganizationOut(Schema):
    id: int
    name: str
    tier: str
    shared_cases: bool
    vip_note: str
    created_at: datetime
    fields: dict[str, FieldValue] | None = Field(None, description=FIELDS_DESCRIPTION)


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None = None


class OrganizationCreateIn(InSchema):
    name: Name
    tier: Tier = Tier.STANDARD
    shared_cases: bool = False
    vip_note: Note = ""


class OrganizationPatchIn(PatchSchema):
    NOT_NULL = ("name", "tier", "shared_cases", "vip_note")
    name: Name | None = None
    tier: Tier | None = None
    shared_cases: bool | None = None
    vip_note: Note | None = None


# --- teams -----------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    name: str
    email: str
    role: str
    is_away: bool


class TeamOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    lead: Ref | None = None
    members: list[MemberOut]


class TeamPage(Schema):
    items: list[TeamOut]
    next_cursor: str | None = None


class CoverageCheckIn(InSchema):
    body: Body


class CoverageQuestionOut(Schema):
    text: str = Field(description="The customer's question (or message), as written.")
    addressed: bool
    missing: list[str] = Field(description="What the reply does not mention.")


class CoverageOut(Schema):
    answers: bool = Field(description="False when the reply seems not to answer.")
    warning: str = Field(description="The warning in words, empty when it answers.")
    checker: str
    missing: list[str]
    questions: list[CoverageQuestionOut] = Field(description="The open questions checked.")
