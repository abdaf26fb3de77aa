"""Every mail caredesk sends, in one registry: name, default text template, subject.

Admins can override any of them (``MailTemplate`` rows, by name); the outbox renders
the admin's version when there is one, else the built-in. Subjects are Django templates
rendered as plain text. Apps above core name their templates here by path only (no
import): the template files live with the app that owns the words.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop, ngettext_lazy


@dataclass(frozen=True)
class BuiltInMail:
    name: str
    template: str  # the default plain-text template (autoescape off inside)
    subject: str  # a Django template, rendered as plain text
    description: str  # what admins see in the template list
    # Who gets it, for the admin page: "customer" or "staff".
    audience: str = "customer"


BUILT_IN: dict[str, BuiltInMail] = {}

# The sentences of the customer mails' subjects below, for ``makemessages`` (which reads
# no template inside a Python string): the same msgids their {% blocktranslate %} use.
# tests/portal/test_languages.py fails when one drifts (docs/languages.md).
SUBJECT_MESSAGES = (
    gettext_noop("We received your request: %(subject)s"),
    gettext_noop("Part of your message did not reach us: %(subject)s"),
    gettext_noop("Your sign-in link for the support portal"),
    gettext_noop("Is this solved? %(subject)s"),
    gettext_noop("We have your request: %(name)s"),
    gettext_noop("Your request needs a person: %(label)s"),
    gettext_noop("How did we do? %(subject)s"),
    gettext_noop("An honest update on your case: %(subject)s"),
    gettext_noop("Your case was joined with another: %(subject)s"),
    gettext_noop("Resolved: %(title)s"),
    gettext_noop("Update: %(title)s"),
)

# The same for the staff mails' subjects with a plural (never evaluated: for makemessages).
STAFF_SUBJECT_MESSAGES = (
    gettext_noop("%(customer)s wrote: %(subject)s"),
    gettext_noop("Handed to you: %(subject)s"),
    ngettext_lazy(
        "%(count)s unread notification on caredesk",
        "%(count)s unread notifications on caredesk",
        "count",
    ),
)


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
        "{% load i18n %}{% blocktranslate with subject=ticket.subject %}"
        "We received your request: {{ subject }}{% endblocktranslate %}",
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
        "{% load i18n %}{% blocktranslate with subject=ticket.subject %}"
        "Part of your message did not reach us: {{ subject }}{% endblocktranslate %}",
        "Notice: a message or attachment was too large",
    ),
    BuiltInMail(
        "sign_in_link",
        "portal/mail/magic_link.txt",
        "{% load i18n %}{% translate 'Your sign-in link for the support portal' %}",
        "Portal sign-in link",
    ),
    BuiltInMail(
        "customer_wrote",
        "mail/customer_wrote.txt",
        "{% load i18n %}[{{ ticket.reference }}] {% blocktranslate with"
        " customer=ticket.customer.name subject=ticket.subject %}{{ customer }} wrote:"
        " {{ subject }}{% endblocktranslate %}",
        "To the assignee: the customer wrote",
        audience="staff",
    ),
    BuiltInMail(
        "handoff",
        "mail/handoff.txt",
        "{% load i18n %}[{{ ticket.reference }}] {% blocktranslate with subject=ticket.subject %}"
        "Handed to you: {{ subject }}{% endblocktranslate %}",
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
        "{% load i18n %}{% blocktranslate count count=count %}{{ count }} unread notification"
        " on caredesk{% plural %}{{ count }} unread notifications on caredesk"
        "{% endblocktranslate %}",
        "The digest of unread notifications, every few hours",
        audience="staff",
    ),
    BuiltInMail(
        "resolution_question",
        "resolutions/mail/question.txt",
        "{% load i18n %}{% blocktranslate with subject=ticket.subject %}"
        "Is this solved? {{ subject }}{% endblocktranslate %}",
        'To the customer when a case is resolved: "Is this solved?" with Yes / No links',
    ),
    BuiltInMail(
        "selfservice_confirmation",
        "selfservice/mail/confirmation.txt",
        "{% load i18n %}{% blocktranslate with name=request.type.name %}"
        "We have your request: {{ name }}{% endblocktranslate %}",
        "To the customer after a self-service request (cancel, return…): what happens next",
    ),
    BuiltInMail(
        "selfservice_needs_person",
        "selfservice/mail/needs_person.txt",
        "{% load i18n %}[{{ ticket.reference }}] {% blocktranslate with label=request.label %}"
        "Your request needs a person: {{ label }}{% endblocktranslate %}",
        "To the customer when a self-service request failed or got no outcome in time:"
        " what happened and the case a person now has",
    ),
    BuiltInMail(
        "csat_survey",
        "feedback/mail/csat_survey.txt",
        "{% load i18n %}{% blocktranslate with subject=ticket.subject %}"
        "How did we do? {{ subject }}{% endblocktranslate %}",
        "To the customer some hours after a case closed: rate it good, neutral or bad",
    ),
    BuiltInMail(
        "sla_breach_update",
        "sla/mail/breach_update.txt",
        "{% load i18n %}{% blocktranslate with subject=ticket.subject %}"
        "An honest update on your case: {{ subject }}{% endblocktranslate %}",
        "To the customer when a response target was missed (at most once a day per case)",
    ),
    BuiltInMail(
        "case_merged",
        "mail/case_merged.txt",
        "{% load i18n %}[{{ ticket.reference }}] {% blocktranslate with subject=ticket.subject %}"
        "Your case was joined with another: {{ subject }}{% endblocktranslate %}",
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
        "{% load i18n %}{% if resolved %}{% blocktranslate with title=incident.title %}"
        "Resolved: {{ title }}{% endblocktranslate %}{% else %}"
        "{% blocktranslate with title=incident.title %}Update: {{ title }}{% endblocktranslate %}"
        "{% endif %}",
        "To every customer an incident affects: each update (docs/incidents.md)",
    ),
):
    register(_mail)
