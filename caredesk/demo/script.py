"""A case written down as data, and playing it through the case actions.

Stories and generated cases are both :class:`CaseSpec` values: what the customer wrote,
then the steps staff and customer took, each at its own time. :func:`play_case` performs
them with the real actions, so every demo case has messages and audit events exactly as
if people had done it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from caredesk.accounts.models import Team, User
from caredesk.customers.models import Customer
from caredesk.customfields.actions import do_set_field_values
from caredesk.demo.fields import STORY_VALUES
from caredesk.escalations.actions import do_request_goodwill
from caredesk.escalations.models import ActionType
from caredesk.feedback.actions import do_leave_feedback
from caredesk.feedback.models import FeedbackKind, FeedbackSource
from caredesk.macros.actions import do_apply_macro
from caredesk.macros.models import Macro
from caredesk.promises.actions import PromiseDraft, do_reply_with_promise
from caredesk.resolutions.actions import do_answer
from caredesk.resolutions.selectors import open_question
from caredesk.tickets import actions
from caredesk.tickets.forward import do_forward_case
from caredesk.tickets.models import Channel, Priority, Status, Ticket


@dataclass(frozen=True)
class Step:
    """One thing that happened on a case.

    kind is one of: assign, reply, note, customer, status, tags, priority, promise (a
    reply that makes a promise), goodwill (an action that may need approval) and
    complaint (the customer's complaint about ``assignee``), answer (the customer's
    answer to "Is this solved?": ``status`` "yes" or "no", their words in ``body``),
    fields (staff fill in custom fields, ``values``) and forward (staff forward the case
    to the addresses in ``cc``, with ``body`` as their note). A reply may carry ``cc``;
    replies and notes may carry ``minutes`` (time spent, for /reports/time/).
    """

    kind: str
    at: datetime
    actor: User | None = None
    body: str = ""
    status: str = ""
    assignee: User | None = None
    team: Team | None = None
    tags: tuple[str, ...] = ()
    priority: str = ""
    channel: str = ""
    promise_kind: str = ""
    promise_text: str = ""
    due: datetime | None = None
    action: str = ""  # an ActionType slug
    amount: str = ""
    macro: str = ""  # a macro's title
    cc: tuple[str, ...] = ()
    minutes: int | None = None
    values: tuple[tuple[str, str], ...] = ()  # custom fields: (key, value)


@dataclass
class CaseSpec:
    opened_at: datetime
    customer: Customer
    subject: str
    body: str
    channel: str = Channel.EMAIL
    priority: str = Priority.NORMAL
    team: Team | None = None
    # Staff who logged the case for the customer (phone calls); None for self-service intake.
    opener: User | None = None
    steps: list[Step] = field(default_factory=list)
    # A short label for stories, e.g. "shower-seat"; empty for generated cases.
    story: str = ""


def assign(
    at: datetime, actor: User, assignee: User | None, team: Team | None, note: str = ""
) -> Step:
    return Step("assign", at, actor=actor, assignee=assignee, team=team, body=note)


def reply(
    at: datetime,
    agent: User,
    body: str,
    status: str = Status.WAITING_CUSTOMER,
    *,
    cc: tuple[str, ...] = (),
    minutes: int | None = None,
) -> Step:
    return Step("reply", at, actor=agent, body=body, status=status, cc=cc, minutes=minutes)


def note(at: datetime, agent: User, body: str, *, minutes: int | None = None) -> Step:
    return Step("note", at, actor=agent, body=body, minutes=minutes)


def fields(at: datetime, agent: User, **values: str) -> Step:
    """The agent fills in custom fields (demo/fields.py defines them)."""
    return Step("fields", at, actor=agent, values=tuple(values.items()))


def forward(at: datetime, agent: User, to: tuple[str, ...], body: str) -> Step:
    return Step("forward", at, actor=agent, cc=to, body=body)


def customer(at: datetime, body: str, channel: str = "") -> Step:
    return Step("customer", at, body=body, channel=channel)


def status(at: datetime, actor: User, value: str) -> Step:
    return Step("status", at, actor=actor, status=value)


def tags(at: datetime, actor: User, *names: str) -> Step:
    return Step("tags", at, actor=actor, tags=names)


def priority(at: datetime, actor: User, value: str) -> Step:
    return Step("priority", at, actor=actor, priority=value)


def promise(at: datetime, agent: User, body: str, kind: str, text: str, due: datetime) -> Step:
    return Step(
        "promise", at, actor=agent, body=body, promise_kind=kind, promise_text=text, due=due
    )


def macro(at: datetime, agent: User, title: str, status: str = "") -> Step:
    """The agent applies a macro and sends its text as the reply (``status`` after)."""
    return Step("macro", at, actor=agent, macro=title, status=status)


def goodwill(at: datetime, agent: User, action: str, amount: str, reason: str) -> Step:
    return Step("goodwill", at, actor=agent, action=action, amount=amount, body=reason)


def complaint(at: datetime, about: User, body: str) -> Step:
    return Step("complaint", at, assignee=about, body=body)


def answer(at: datetime, solved: bool, words: str = "") -> Step:
    return Step("answer", at, status="yes" if solved else "no", body=words)


def _customer_actor(spec: CaseSpec, channel: str) -> User | None:
    """The customer's own account acts for portal and API contact; mail and phone have none."""
    if channel in (Channel.PORTAL, Channel.API):
        return spec.customer.user
    return None


def play_case(spec: CaseSpec) -> Ticket:
    ticket = actions.do_open_ticket(
        customer=spec.customer,
        subject=spec.subject,
        body=spec.body,
        channel=spec.channel,
        now=spec.opened_at,
        actor=spec.opener or _customer_actor(spec, spec.channel),
        priority=spec.priority,
        team=spec.team,
    )
    story_values = STORY_VALUES.get(spec.subject) if spec.story else None
    for step in spec.steps:
        _play_step(ticket, spec, step)
        if story_values and step.kind == "assign":
            # The story's agent fills in its fields at triage, as generated cases do.
            do_set_field_values(ticket, actor=_staff(step), values=story_values, now=step.at)
            story_values = None
    return ticket


def _staff(step: Step) -> User:
    if step.actor is None:
        raise ValueError(f"a {step.kind} step needs a staff actor")
    return step.actor


def _play_step(ticket: Ticket, spec: CaseSpec, step: Step) -> None:
    if step.kind == "assign":
        actions.do_assign(
            ticket,
            actor=_staff(step),
            assignee=step.assignee,
            team=step.team,
            now=step.at,
            handoff_note=step.body,
        )
    elif step.kind == "reply":
        actions.do_reply(
            ticket,
            agent=_staff(step),
            body=step.body,
            now=step.at,
            status_after=step.status or Status.WAITING_CUSTOMER,
            cc=list(step.cc),
            minutes=step.minutes,
        )
    elif step.kind == "note":
        actions.do_add_note(
            ticket, agent=_staff(step), body=step.body, now=step.at, minutes=step.minutes
        )
    elif step.kind == "fields":
        do_set_field_values(ticket, actor=_staff(step), values=dict(step.values), now=step.at)
    elif step.kind == "forward":
        do_forward_case(ticket, actor=_staff(step), to=list(step.cc), now=step.at, note=step.body)
    elif step.kind == "customer":
        channel = step.channel or spec.channel
        actions.do_add_customer_message(
            ticket,
            customer=spec.customer,
            body=step.body,
            channel=channel,
            now=step.at,
            actor=_customer_actor(spec, channel),
        )
    elif step.kind == "status":
        actions.do_change_status(ticket, actor=_staff(step), status=step.status, now=step.at)
    elif step.kind == "tags":
        actions.do_set_tags(ticket, actor=_staff(step), names=step.tags, now=step.at)
    elif step.kind == "priority":
        actions.do_change_priority(ticket, actor=_staff(step), priority=step.priority, now=step.at)
    elif step.kind == "promise":
        assert step.due is not None
        do_reply_with_promise(
            ticket,
            agent=_staff(step),
            body=step.body,
            draft=PromiseDraft(kind=step.promise_kind, text=step.promise_text, due_at=step.due),
            now=step.at,
            status_after=Status.WAITING_US,
        )
    elif step.kind == "macro":
        agent = _staff(step)
        found = Macro.objects.get(title=step.macro)
        applied = do_apply_macro(agent, ticket, found, step.at)
        ticket.refresh_from_db()
        actions.do_reply(
            ticket,
            agent=agent,
            body=applied.text,
            now=step.at,
            status_after=step.status or ticket.status,
        )
    elif step.kind == "goodwill":
        do_request_goodwill(
            ticket,
            agent=_staff(step),
            action_type=ActionType.objects.get(slug=step.action),
            amount=step.amount,
            reason=step.body,
            now=step.at,
        )
    elif step.kind == "complaint":
        assert step.assignee is not None
        do_leave_feedback(
            ticket,
            agent=step.assignee,
            kind=FeedbackKind.COMPLAINT,
            body=step.body,
            source=FeedbackSource.PORTAL,
            now=step.at,
            author_customer=spec.customer,
        )
    elif step.kind == "answer":
        ticket.refresh_from_db()
        question = open_question(ticket)
        assert question is not None, f"no open question on {ticket.reference}"
        do_answer(
            question.pk,
            solved=step.status == "yes",
            customer=spec.customer,
            words=step.body,
            now=step.at,
        )
    else:
        raise ValueError(f"unknown step kind {step.kind!r}")
