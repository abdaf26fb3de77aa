from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from caredesk import cli
from caredesk.accounts.models import STAFF_ROLES, Role, User
from caredesk.core.models import Notification
from caredesk.core.periodic import run_jobs
from caredesk.customers.models import Organization, Tier
from caredesk.demo.people import STAFF
from caredesk.tickets import actions
from caredesk.tickets.models import (
    AuditEvent,
    Message,
    MessageKind,
    SearchEntry,
    Status,
    Ticket,
)
from tests.conftest import NOW, make_staff
from tests.demo.conftest import run_demo


def story(subject_start: str) -> Ticket:
    return Ticket.objects.get(subject__startswith=subject_start)


def test_the_stories_keep_the_customers_own_words(loaded):
    seat = story("Return an unused shower seat")
    assert "taken out of the box once and never used" in seat.original_request
    assert seat.messages.first().body == seat.original_request
    assert {"hygiene-item", "non-returnable"} <= set(seat.tags.values_list("name", flat=True))
    assert seat.status == Status.RESOLVED and seat.reopen_count == 1

    window = story("Driver came at 11:40")
    assert "Nobody told me it could be any time between 8 and 12" in window.original_request
    assert window.customer.primary_email == "maria@example.com"
    notes = window.messages.filter(kind=MessageKind.NOTE).values_list("body", flat=True)
    assert any("explained twice" in body for body in notes)
    assert "policy-explained-twice" in window.tags.values_list("name", flat=True)


def test_the_other_stories_are_there(loaded):
    gym = story("Cancel the personal training sessions")
    assert "sales rep" in gym.original_request and gym.status == Status.CLOSED
    assert "three-people" in gym.tags.values_list("name", flat=True)

    callback = Ticket.objects.get(tags__name="promise")
    promise_note = callback.messages.get(body__startswith="Promised callback by")
    assert callback.status == Status.WAITING_US
    # The promised time has passed: the case is waiting on an overdue callback.
    assert promise_note.created_at + timedelta(days=7) < NOW

    abuse = Ticket.objects.get(tags__name="abuse")
    assert abuse.assignee.role == Role.LEAD
    assert "useless" in abuse.original_request

    vip = Organization.objects.get(tier=Tier.VIP)
    assert "Escalate to Max (manager)" in vip.vip_note
    vip_case = Ticket.objects.get(organization=vip, tags__name="vip")
    assert vip_case.customer.name == "Victor Hale"
    assert set(Organization.objects.values_list("tier", flat=True)) == set(Tier.values)


def test_resolutions_await_confirmation_one_confirmed_one_reopened(loaded):
    from caredesk.resolutions.models import Outcome, Resolution

    waiting = Ticket.objects.filter(story_of_resolution(), resolution_outcome=Outcome.PENDING)
    assert waiting.count() >= 2 and all(t.status == Status.RESOLVED for t in waiting)
    confirmed = story("Order confirmation mails go to spam")
    assert confirmed.status == Status.CLOSED and confirmed.resolution_outcome == Outcome.CONFIRMED
    reopened = story("Footstool missing from the sofa delivery")
    assert reopened.status == Status.WAITING_US
    assert reopened.resolution_outcome == Outcome.REJECTED and reopened.reopen_count == 1
    assert reopened.messages.filter(body__startswith="The van came today").exists()
    assert Resolution.objects.filter(ticket=reopened, outcome=Outcome.REJECTED).exists()


def test_a_few_customers_rated_their_closed_cases_and_no_survey_was_mailed(loaded):
    from caredesk.core.models import OutboundEmail
    from caredesk.feedback.models import Feedback, Survey
    from caredesk.reports.dashboard import build

    rated = Survey.objects.exclude(rating="")
    assert rated.count() >= 3
    assert set(rated.values_list("rating", flat=True)) == {"good", "neutral", "bad"}
    assert not Feedback.objects.filter(source="survey").exists()  # bad, but no comment
    assert not OutboundEmail.objects.filter(subject__startswith="How did we do?").exists()
    today = NOW.date()
    assert build(today - timedelta(days=29), today).overall.csat_ratings == rated.count()


def story_of_resolution():
    from django.db.models import Q

    return Q(subject__in=["Cannot download my invoice PDF", "Collection of the returned walker"])


def test_every_case_went_through_the_actions(loaded):
    tickets = Ticket.objects.all()
    # stories, open work (open_work.py), "Is this solved?" (resolutions.py), the solved
    # case that unlocks an offer, generated
    assert tickets.count() == 7 + 3 + 4 + 1 + 20
    for ticket in tickets.prefetch_related("messages", "events"):
        events = list(ticket.events.all())
        messages = list(ticket.messages.all())
        assert events[0].verb == "created"
        assert messages[0].kind == MessageKind.CUSTOMER
        assert ticket.message_count == len(messages)
        replies = [m for m in messages if m.kind == MessageKind.REPLY and m.author_user_id]
        assert len([e for e in events if e.verb == "replied"]) == len(replies)
        # caredesk's own replies (the 7-day reminder) are each audited as the automation's run.
        reminders = [m for m in messages if m.kind == MessageKind.REPLY and not m.author_user_id]
        assert len(reminders) <= len([e for e in events if e.verb == "automation_ran"])
        status_events = [e for e in events if e.field == "status"]
        expected = status_events[-1].new_value if status_events else Status.NEW
        assert ticket.status == expected
        assert ticket.created_at <= ticket.updated_at <= NOW
        assert NOW - ticket.created_at <= timedelta(days=61)
        if replies:
            assert ticket.first_response_at == replies[0].created_at
    # Search finds demo text because the actions indexed it.
    assert SearchEntry.objects.filter(message__isnull=False).count() == (
        Message.objects.exclude(kind=MessageKind.SYSTEM).count()
    )


def test_generated_cases_vary(db):
    assert run_demo(cases=120, seed=3).code == 0
    tickets = Ticket.objects.all()
    assert len(set(tickets.values_list("status", flat=True))) >= 5
    assert len(set(tickets.values_list("channel", flat=True))) == 4
    assert len(set(tickets.values_list("priority", flat=True))) == 4
    assert tickets.values("team").distinct().count() >= 4
    assert tickets.filter(reopen_count__gt=0).count() >= 2
    assert len(set(tickets.values_list("subject", flat=True))) > 60
    # Staff answer in office hours.
    staff_times = Message.objects.filter(kind=MessageKind.REPLY).values_list(
        "created_at", flat=True
    )
    assert all(8 <= at.hour < 20 for at in staff_times)


def test_staff_sign_in_with_the_printed_password(loaded, client):
    printed = {}
    for line in loaded.output.splitlines():
        match = re.match(r"\s+(admin|manager|lead|agent)\s+(\S+@\S+)\s+(\S+)", line)
        if match:
            printed[match.group(2)] = match.group(3)
    assert set(printed) == {spec.email for spec in STAFF}
    for email, password in printed.items():
        assert client.login(email=email, password=password), email
        client.logout()
    assert User.objects.get(email="admin@caredesk.localhost").is_superuser
    # Customers have no password at all; the output tells them how to get a link.
    assert "maria@example.com" in loaded.output and "tom@example.net" in loaded.output
    assert "caredesk portal-link EMAIL" in loaded.output
    assert not client.login(email="maria@example.com", password=next(iter(printed.values())))
    assert not User.objects.get(email="maria@example.com").has_usable_password()


def test_a_second_run_with_if_empty_creates_nothing(loaded):
    before = (Ticket.objects.count(), User.objects.count(), AuditEvent.objects.count())
    again = run_demo(if_empty=True)
    assert again.code == 0
    assert "Demo data already loaded" in again.output
    assert "care-desk-demo-2026" in again.output
    assert (Ticket.objects.count(), User.objects.count(), AuditEvent.objects.count()) == before


def test_if_empty_leaves_a_real_desk_alone(db):
    make_staff("real@company.test", Role.AGENT, "Real Agent")
    result = run_demo(if_empty=True)
    assert result.code == 0
    assert "not loaded" in result.output
    assert Ticket.objects.count() == 0 and User.objects.count() == 1


def test_a_second_run_without_if_empty_reuses_the_people(loaded):
    users = User.objects.count()
    staff = User.objects.filter(role__in=STAFF_ROLES).count()
    assert run_demo(cases=5, seed=1).code == 0
    # The same seed draws the same customers, so nobody is created twice.
    assert User.objects.count() == users
    assert run_demo(cases=5, seed=9).code == 0
    assert User.objects.filter(role__in=STAFF_ROLES).count() == staff == len(STAFF)
    assert Ticket.objects.count() == 3 * 15 + 20 + 5 + 5  # 15 stories each run


def fingerprint() -> list[tuple]:
    rows = []
    for t in Ticket.objects.order_by("created_at", "id").select_related(
        "team", "customer", "assignee"
    ):
        rows.append(
            (
                t.subject,
                t.status,
                t.priority,
                t.channel,
                t.team and t.team.name,
                t.customer.name,
                t.assignee and t.assignee.email,
                t.created_at,
                sorted(t.tags.values_list("name", flat=True)),
                list(t.messages.values_list("kind", "body", "created_at")),
            )
        )
    return rows


def test_the_same_seed_gives_the_same_desk(db):
    run_demo(cases=20, seed=11)
    first = fingerprint()
    Ticket.objects.all().delete()
    run_demo(cases=20, seed=11)
    assert fingerprint() == first
    Ticket.objects.all().delete()
    run_demo(cases=20, seed=12)
    assert fingerprint() != first


def test_loading_sends_no_mail_and_queues_no_tasks(db):
    assert run_demo(cases=20).code == 0
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 0
    # Afterwards the desk behaves normally: a reply reaches the customer.
    case = story("Driver came at 11:40")
    agent = User.objects.get(email="priya@caredesk.localhost")
    actions.do_reply(case, agent=agent, body="Your footstool is on Thursday's van.", now=NOW)
    assert [m.to for m in mail.outbox] == [["maria@example.com"]]


def test_progress_is_printed(loaded):
    assert "Creating cases: 35/35" in loaded.output
    assert "15 stories and 20 generated cases" in loaded.output


@pytest.mark.parametrize("cases", [-1, 100_001, 10**12])
def test_out_of_range_case_counts_are_refused(db, cases, capsys):
    result = run_demo(cases=cases)
    assert result.code == 2
    assert "--cases must be between 0 and 100,000" in capsys.readouterr().err
    assert Ticket.objects.count() == 0 and User.objects.count() == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--cases", "abc"],
        ["demo", "--cases", "1e3"],
        ["demo", "--seed", "'; DROP TABLE tickets_ticket; --"],
        ["demo", "--cases", "9" * 5000],
    ],
)
def test_malformed_command_line_is_refused(db, argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert "invalid int value" in capsys.readouterr().err
    assert Ticket.objects.count() == 0


def test_huge_case_count_from_the_command_line_is_refused(db, capsys):
    assert cli.main(["demo", "--cases", "9" * 50]) == 2
    assert "--cases must be between" in capsys.readouterr().err


def test_zero_generated_cases_loads_just_the_stories(db):
    result = run_demo(cases=0)
    assert result.code == 0
    assert Ticket.objects.count() == 7 + 3 + 4 + 1


def test_demo_refuses_to_run_in_production(db, settings, capsys):
    settings.PRODUCTION = True
    assert run_demo().code == 2
    assert "production" in capsys.readouterr().err
    assert User.objects.count() == 0


def test_the_first_minute_of_the_worker_mails_no_backlog(db):
    assert run_demo(cases=20).code == 0
    # The worker's first heartbeat, at the moment the demo was loaded: nothing to mail ...
    assert all(outcome.startswith("ok") for outcome in run_jobs(NOW).values())
    assert mail.outbox == []
    # ... although the demo's older cases are past their deadlines: the load recorded
    # those breaches (and told the staff in caredesk) quietly.
    assert Ticket.objects.filter(sla_breached=True).count() >= 3
    assert Notification.objects.filter(kind="sla_breach").exists()


def test_one_resolved_incident_in_the_history(loaded):
    from caredesk.core.models import OutboundEmail
    from caredesk.incidents.models import Incident

    incident = Incident.objects.get()
    assert incident.status == "resolved" and incident.audience_count > 0
    assert [u.is_resolution for u in incident.updates.order_by("posted_at")] == [False, False, True]
    assert not OutboundEmail.objects.filter(subject__contains=incident.title).exists()
