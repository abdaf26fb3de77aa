"""Every mail caredesk sends, in one registry: name, default text template, subject.

Admins can override any of them (``MailTemplate`` rows, by name); the outbox renders
the admin's version when there is one, else the built-in. Subjects are Django templates
rendered as plain text. Apps above core name their templates here by path only (no
import): the template files live with the app that owns the words.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BuiltInMail:
    name: str
    template: str  # the default plain-text template (autoescape off inside)
    subject: str  # a Django template, rendered as plain text
    description: str  # what admins see in the template list
    # Who gets it, for the admin page: "customer" or "staff".
    audience: str = "customer"


BUILT_IN: dict[str, BuiltInMail] = {}


def register(mail: BuiltInMail) -> BuiltInMail:
    if len(mail.name) > 60 or not mail.name.replace("_", "").isalnum():
        raise ValueError(f"mail names are short identifiers, got {mail.name!r}")
    BUILT_IN[mail.name] = mail
    return mail


def get(name: str) -> BuiltInMail:
    try:
        return BUILT_IN[name]
    except KeyError:
        raise LookupError(f"no built-in mail named {name!r}") from None


def choices() -> list[tuple[str, str]]:
    return sorted(((m.name, m.description) for m in BUILT_IN.values()), key=lambda c: c[1])


for _mail in (
    BuiltInMail(
        "acknowledgement",
        "mail/acknowledgement.txt",
        "We received your request: {{ ticket.subject }}",
        "Acknowledgement of a new case",
    ),
    BuiltInMail(
        "reply",
        "mail/reply.txt",
        "Re: [{{ ticket.reference }}] {{ ticket.subject }}",
        "Public reply to the customer (also the honest update after a missed promise)",
    ),
    BuiltInMail(
        "oversize",
        "mail/oversize.txt",
        "Part of your message did not reach us: {{ ticket.subject }}",
        "Notice: a message or attachment was too large",
    ),
    BuiltInMail(
        "sign_in_link",
        "portal/mail/magic_link.txt",
        "Your sign-in link for the support portal",
        "Portal sign-in link",
    ),
    BuiltInMail(
        "customer_wrote",
        "mail/customer_wrote.txt",
        "[{{ ticket.reference }}] {{ ticket.customer.name }} wrote: {{ ticket.subject }}",
        "To the assignee: the customer wrote",
        audience="staff",
    ),
    BuiltInMail(
        "handoff",
        "mail/handoff.txt",
        "[{{ ticket.reference }}] Handed to you: {{ ticket.subject }}",
        "To the new assignee: a case was handed to you",
        audience="staff",
    ),
    BuiltInMail(
        "notification",
        "core/mail/notification.txt",
        "{{ notification.subject }}",
        "A notification (SLA, promise, escalation, approval, feedback, mention) by mail",
        audience="staff",
    ),
    BuiltInMail(
        "digest",
        "core/mail/digest.txt",
        "{{ count }} unread notification{{ count|pluralize }} on caredesk",
        "The digest of unread notifications, every few hours",
        audience="staff",
    ),
    BuiltInMail(
        "resolution_question",
        "resolutions/mail/question.txt",
        "Is this solved? {{ ticket.subject }}",
        'To the customer when a case is resolved: "Is this solved?" with Yes / No links',
    ),
    BuiltInMail(
        "selfservice_confirmation",
        "selfservice/mail/confirmation.txt",
        "We have your request: {{ request.type.name }}",
        "To the customer after a self-service request (cancel, return…): what happens next",
    ),
    BuiltInMail(
        "selfservice_needs_person",
        "selfservice/mail/needs_person.txt",
        "[{{ ticket.reference }}] Your request needs a person: {{ request.label }}",
        "To the customer when a self-service request failed or got no outcome in time:"
        " what happened and the case a person now has",
    ),
    BuiltInMail(
        "csat_survey",
        "feedback/mail/csat_survey.txt",
        "How did we do? {{ ticket.subject }}",
        "To the customer some hours after a case closed: rate it good, neutral or bad",
    ),
    BuiltInMail(
        "sla_breach_update",
        "sla/mail/breach_update.txt",
        "An honest update on your case: {{ ticket.subject }}",
        "To the customer when a response target was missed (at most once a day per case)",
    ),
    BuiltInMail(
        "case_merged",
        "mail/case_merged.txt",
        "[{{ ticket.reference }}] Your case was joined with another: {{ ticket.subject }}",
        "To the customer when their case was merged into another (a duplicate)",
    ),
    BuiltInMail(
        "case_forward",
        "mail/case_forward.txt",
        "Fwd: [{{ ticket.reference }}] {{ ticket.subject }}",
        "A case an agent forwarded by mail: the note and a transcript (docs/replies.md)",
        audience="staff",
    ),
    BuiltInMail(
        "incident_update",
        "incidents/mail/update.txt",
        "{% if resolved %}Resolved: {% else %}Update: {% endif %}{{ incident.title }}",
        "To every customer an incident affects: each update (docs/incidents.md)",
    ),
):
    register(_mail)
