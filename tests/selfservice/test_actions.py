"""The one step, the outcome, the deadline and the refusals of do_request_self_service."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.core import deadlines
from caredesk.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from caredesk.core.models import Event, OutboundEmail
from caredesk.records.models import CaseRecordLink
from caredesk.selfservice.actions import (
    OUTCOME,
    do_fire_outcome_deadline,
    do_report_outcome,
    do_request_self_service,
)
from caredesk.selfservice.models import Kind, RequestType, SelfServiceRequest, Status
from caredesk.tickets.models import Ticket
from tests.selfservice.conftest import HYGIENE, make_type, record


def _cancel(desk, ss, now, **kw):
    return do_request_self_service(
        ss.cancel, desk.alice, actor=desk.alice.user, now=now, record_id=ss.gym.pk, **kw
    )


def test_a_cancellation_is_one_step_recorded_evented_and_mailed(desk, ss, now):
    done = _cancel(desk, ss, now)
    req = done.request
    assert done.created and req.status == Status.REQUESTED
    assert req.outcome_due_at == now + timedelta(hours=ss.cancel.outcome_hours)
    event = Event.objects.get(kind="selfservice.requested")
    assert event.data["new"]["record"]["external_id"] == "GYM-1"
    assert event.data["new"]["customer"]["email"] == "alice@acme.test"
    assert event.actor_id == desk.alice.user.pk
    mail = OutboundEmail.objects.get(to="alice@acme.test")
    assert "Cancel my membership" in mail.subject
    assert "end of this billing period" in mail.text
    assert not Ticket.objects.exists()  # no case, no agent


def test_a_double_submit_returns_the_open_request(desk, ss, now):
    first = _cancel(desk, ss, now)
    again = _cancel(desk, ss, now + timedelta(seconds=1))
    assert not again.created and again.request.pk == first.request.pk
    assert SelfServiceRequest.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
    assert Event.objects.filter(kind="selfservice.requested").count() == 1


def test_someone_elses_record_is_not_found_and_nothing_is_written(desk, ss, now):
    with pytest.raises(NotFound):
        do_request_self_service(
            ss.cancel, desk.alice, actor=desk.alice.user, now=now, record_id=ss.bobs_gym.pk
        )
    with pytest.raises(NotFound):
        do_request_self_service(
            ss.cancel, desk.alice, actor=desk.alice.user, now=now, record_id=2**62
        )
    assert not SelfServiceRequest.objects.exists() and not OutboundEmail.objects.exists()


def test_acting_for_another_customer_is_refused(desk, ss, now):
    with pytest.raises(PermissionDenied):
        do_request_self_service(
            ss.cancel, desk.bob, actor=desk.alice.user, now=now, record_id=ss.bobs_gym.pk
        )
    with pytest.raises(PermissionDenied):
        do_request_self_service(
            ss.cancel, desk.alice, actor=desk.agent, now=now, record_id=ss.gym.pk
        )


def test_a_record_of_the_wrong_kind_is_refused(desk, ss, now):
    with pytest.raises(InvalidInput) as error:
        do_request_self_service(
            ss.cancel, desk.alice, actor=desk.alice.user, now=now, record_id=ss.order.pk
        )
    assert error.value.code == "wrong_record_kind"
    assert not SelfServiceRequest.objects.exists()


def test_an_inactive_type_is_unknown(desk, ss, now):
    RequestType.objects.filter(pk=ss.cancel.pk).update(is_active=False)
    ss.cancel.refresh_from_db()
    with pytest.raises(NotFound):
        _cancel(desk, ss, now)


def test_an_ineligible_return_says_why_and_writes_nothing(desk, ss, now):
    with pytest.raises(Conflict) as error:
        do_request_self_service(
            ss.ret,
            desk.alice,
            actor=desk.alice.user,
            now=now,
            record_id=ss.order.pk,
            line_id=ss.seat.pk,
        )
    assert error.value.code == "not_eligible"
    assert error.value.message == HYGIENE
    assert not SelfServiceRequest.objects.exists() and not OutboundEmail.objects.exists()


def test_an_eligible_return_of_one_line(desk, ss, now):
    done = do_request_self_service(
        ss.ret,
        desk.alice,
        actor=desk.alice.user,
        now=now,
        record_id=ss.order.pk,
        line_id=ss.sofa.pk,
    )
    assert done.request.line == ss.sofa


def test_a_return_needs_a_line_of_that_record(desk, ss, now):
    other = record(desk.alice, "ORD-2", now, lines=[{"product": "Lamp"}])
    with pytest.raises(InvalidInput):
        do_request_self_service(
            ss.ret, desk.alice, actor=desk.alice.user, now=now, record_id=ss.order.pk
        )
    with pytest.raises(NotFound):
        do_request_self_service(
            ss.ret,
            desk.alice,
            actor=desk.alice.user,
            now=now,
            record_id=ss.order.pk,
            line_id=other.lines.get().pk,
        )


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({}, "details.slot"),
        ({"slot": "   "}, "details.slot"),
        ({"slot": 12}, "details.slot"),
        ({"slot": "x" * 301}, "details.slot"),
        ({"slot": "Friday 8-12", "price": "0"}, "details.price"),
        ({"slot": "Friday 8-12", "note": "n" * 501}, "details.note"),
        ("not an object", "details"),
    ],
)
def test_bad_details_name_the_field(desk, ss, now, details, field):
    with pytest.raises(InvalidInput) as error:
        do_request_self_service(
            ss.slot,
            desk.alice,
            actor=desk.alice.user,
            now=now,
            record_id=ss.order.pk,
            details=details,
        )
    assert error.value.field == field
    assert not SelfServiceRequest.objects.exists()


def test_contact_details_need_no_record(desk, ss, now):
    done = do_request_self_service(
        ss.contact, desk.alice, actor=desk.alice.user, now=now, details={"phone": "+49 30 1234"}
    )
    assert done.request.record is None and done.request.details == {"phone": "+49 30 1234"}
    with pytest.raises(InvalidInput):
        do_request_self_service(
            ss.contact, desk.alice, actor=desk.alice.user, now=now, record_id=ss.gym.pk
        )


def test_done_is_idempotent_and_a_different_outcome_after_is_refused(desk, ss, now):
    req = _cancel(desk, ss, now).request
    later = now + timedelta(hours=1)
    settled, changed = do_report_outcome(req.pk, outcome="done", actor=desk.agent, now=later)
    assert changed and settled.status == Status.DONE and settled.outcome_due_at is None
    again, changed = do_report_outcome(req.pk, outcome="done", actor=desk.agent, now=later)
    assert not changed and again.status == Status.DONE
    with pytest.raises(Conflict):
        do_report_outcome(req.pk, outcome="failed", reason="x", actor=desk.agent, now=later)
    assert Event.objects.filter(kind="selfservice.done").count() == 1
    assert not Ticket.objects.exists()


def test_a_failure_opens_one_case_with_the_request_and_record_linked(desk, ss, now):
    req = _cancel(desk, ss, now).request
    later = now + timedelta(hours=1)
    failed, _ = do_report_outcome(
        req.pk, outcome="failed", reason="Contract has a minimum term", actor=desk.agent, now=later
    )
    assert failed.status == Status.FAILED and failed.reason == "Contract has a minimum term"
    ticket = Ticket.objects.get()
    assert failed.ticket == ticket and ticket.customer == desk.alice
    assert "Contract has a minimum term" in ticket.original_request
    assert CaseRecordLink.objects.get(ticket=ticket).record == ss.gym
    assert ticket.events.filter(verb="selfservice_linked").exists()
    do_report_outcome(req.pk, outcome="failed", reason="again", actor=desk.agent, now=later)
    assert Ticket.objects.count() == 1


def test_a_failure_tells_the_customer_why_and_which_case_a_person_has(desk, ss, now):
    req = _cancel(desk, ss, now).request
    later = now + timedelta(hours=1)
    failed, _ = do_report_outcome(
        req.pk, outcome="failed", reason="Contract has a minimum term", actor=desk.agent, now=later
    )
    ticket = failed.ticket
    mails = list(OutboundEmail.objects.filter(to="alice@acme.test").order_by("pk"))
    # The confirmation, then one honest notice: not the generic acknowledgement, which
    # would quote caredesk's note to staff as the customer's own words.
    assert len(mails) == 2
    notice = mails[1]
    assert notice.ticket_id == ticket.pk and ticket.reference in notice.subject
    assert "Contract has a minimum term" in notice.text
    assert "did not go through" in notice.text
    assert "Your words, as we received them" not in notice.text


@pytest.mark.parametrize(
    ("outcome", "reason", "field"),
    [("failed", "", "reason"), ("failed", "r" * 501, "reason"), ("maybe", "", "outcome")],
)
def test_bad_outcomes_are_refused(desk, ss, now, outcome, reason, field):
    req = _cancel(desk, ss, now).request
    with pytest.raises(InvalidInput) as error:
        do_report_outcome(req.pk, outcome=outcome, reason=reason, actor=desk.agent, now=now)
    assert error.value.field == field
    req.refresh_from_db()
    assert req.status == Status.REQUESTED


def test_customers_do_not_report_outcomes(desk, ss, now):
    req = _cancel(desk, ss, now).request
    with pytest.raises(PermissionDenied):
        do_report_outcome(req.pk, outcome="done", actor=desk.alice.user, now=now)
    with pytest.raises(NotFound):
        do_report_outcome(2**62, outcome="done", actor=desk.agent, now=now)


def test_no_outcome_in_time_opens_a_case_once(desk, ss, now):
    req = _cancel(desk, ss, now).request
    due = req.outcome_due_at
    assert not do_fire_outcome_deadline(req.pk, due - timedelta(seconds=1))
    assert deadlines.sweep(due, [OUTCOME]) == f"{OUTCOME}: 1"
    req.refresh_from_db()
    assert req.ticket is not None and req.outcome_due_at is None
    assert req.status == Status.REQUESTED  # the business may still answer
    assert "did not report an outcome within 48 hours" in req.ticket.original_request
    assert deadlines.sweep(due + timedelta(hours=1), [OUTCOME]) is None
    assert not do_fire_outcome_deadline(req.pk, due + timedelta(hours=2))
    # A failure reported later does not open a second case.
    do_report_outcome(req.pk, outcome="failed", reason="Late", actor=desk.agent, now=due)
    assert Ticket.objects.count() == 1


def test_settled_before_the_deadline_fires_nothing(desk, ss, now):
    req = _cancel(desk, ss, now).request
    do_report_outcome(req.pk, outcome="done", actor=desk.agent, now=now)
    assert deadlines.sweep(now + timedelta(days=30), [OUTCOME]) is None
    assert not Ticket.objects.exists()


def test_a_cancelled_subscription_cannot_be_cancelled_again(desk, ss, now):
    ended = record(desk.alice, "GYM-OLD", now, kind="subscription", status="cancelled")
    with pytest.raises(Conflict):
        do_request_self_service(
            ss.cancel, desk.alice, actor=desk.alice.user, now=now, record_id=ended.pk
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 121}, "name"),
        ({"kind": "teleport"}, "kind"),
        ({"record_kinds": ["spaceship"]}, "record_kinds"),
        ({"record_kinds": "subscription"}, "record_kinds"),
        ({"record_kinds": []}, "record_kinds"),
        ({"kind": Kind.RETURN_LINE, "record_kinds": ["subscription"]}, "record_kinds"),
        ({"confirmation_text": " "}, "confirmation_text"),
        ({"confirmation_text": "c" * 2001}, "confirmation_text"),
        ({"outcome_hours": 0}, "outcome_hours"),
        (
            {"kind": Kind.UPDATE_CONTACT, "record_kinds": [], "offer_retention": True},
            "offer_retention",
        ),
    ],
)
def test_bad_request_types_are_refused_whole(desk, now, fields, field):
    with pytest.raises(DomainError) as error:
        make_type(desk, now, name=fields.pop("name", "A type"), **fields)
    assert field in error.value.details
    assert not RequestType.objects.exists()


def test_only_admins_define_types(desk, now):
    from caredesk.selfservice.actions import do_save_request_type

    with pytest.raises(PermissionDenied):
        do_save_request_type(
            RequestType(
                name="X",
                kind="cancel_subscription",
                record_kinds=["subscription"],
                confirmation_text="x",
            ),
            actor=desk.manager,
            now=now,
        )
    make_type(desk, now)
    with pytest.raises(Conflict):
        make_type(desk, now, name="cancel my MEMBERSHIP")
