"""Resolutions the customer confirms (issue 13, P3): the mail, the links, the answers,
no answer in time, staff closes, and what the case and the reports see."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.test import Client

from caredesk.core import deadlines
from caredesk.core.models import Notification
from caredesk.resolutions import actions as res_actions
from caredesk.resolutions import links
from caredesk.resolutions.models import Outcome, Resolution
from caredesk.tickets import actions
from caredesk.tickets.models import Message, MessageKind, Status, Ticket
from caredesk.workspace.selectors import inbox_queryset
from tests.case_page import case_page_html
from tests.resolutions.conftest import links_of, question_mail, resolved_case

DAY = timedelta(days=1)


def _fresh(ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def _snapshot(ticket):
    t = _fresh(ticket)
    return (
        t.status,
        t.resolution_outcome,
        t.reopen_count,
        t.message_count,
        list(Resolution.objects.filter(ticket=t).values_list("outcome", "answered_at")),
    )


def test_resolving_asks_the_customer_once_with_two_signed_links(desk, now):
    ticket = resolved_case(desk, now)
    row = Resolution.objects.get(ticket=ticket)
    assert row.outcome == Outcome.PENDING and ticket.resolution_outcome == Outcome.PENDING
    assert row.agent == desk.agent and row.team == desk.billing
    assert row.confirm_due_at == now + timedelta(hours=1) + 7 * DAY
    assert row.asked_at is not None
    mail = question_mail(ticket)
    assert mail.to == "alice@acme.test"
    assert mail.headers["Auto-Submitted"] == "auto-generated"
    found = links_of(ticket)
    assert found["yes"] != found["no"]


def test_scanner_get_changes_nothing_and_yes_closes_as_confirmed(desk, now):
    ticket = resolved_case(desk, now)
    yes = links_of(ticket)["yes"]
    before = _snapshot(ticket)
    scanner = Client()
    for _ in range(3):  # link checkers fetch a link, sometimes more than once
        page = scanner.get(yes)
        assert page.status_code == 200
        assert "Yes, it is solved" in page.text and '<form method="post"' in page.text
    assert _snapshot(ticket) == before
    # The POST needs the CSRF token the page set.
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(yes).status_code == 403
    assert _snapshot(ticket) == before
    customer = Client(enforce_csrf_checks=True)
    page = customer.get(yes)
    token = customer.cookies["csrftoken"].value
    done = customer.post(yes, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200 and "We are glad it is solved" in done.text
    ticket = _fresh(ticket)
    row = Resolution.objects.get(ticket=ticket)
    assert ticket.status == Status.CLOSED
    assert ticket.resolution_outcome == row.outcome == Outcome.CONFIRMED
    assert row.answered_at is not None and row.confirm_due_at is None
    assert ticket.events.filter(verb="resolution_confirmed", public=True).exists()
    # The link is single-use in effect: it now only says so.
    again = Client().post(yes)
    assert again.status_code == 200 and "Already answered" in again.text
    assert _fresh(ticket).status == Status.CLOSED


def test_no_with_words_reopens_as_a_customer_message_and_tells_the_assignee(desk, now):
    other = resolved_case(desk, now - timedelta(hours=5))  # older activity in Ada's inbox
    actions.do_change_status(other, actor=desk.agent, status=Status.WAITING_US, now=now)
    ticket = resolved_case(desk, now - 2 * DAY)
    no = links_of(ticket)["no"]
    response = Client().post(no, {"words": "The footstool is still not here."})
    assert response.status_code == 200 and "open again" in response.text
    ticket = _fresh(ticket)
    assert ticket.status == Status.WAITING_US
    assert ticket.reopen_count == 1
    assert ticket.resolution_outcome == Outcome.REJECTED
    row = Resolution.objects.get(ticket=ticket)
    assert row.outcome == Outcome.REJECTED and row.counts_as_reopen
    message = Message.objects.get(pk=row.reopen_message_id)
    assert message.kind == MessageKind.CUSTOMER and message.author_customer == desk.alice
    assert message.body == "The footstool is still not here."
    assert ticket.last_customer_message_at == message.created_at
    assert ticket.events.filter(verb="reopened").exists()
    assert ticket.events.filter(verb="resolution_rejected").exists()
    note = Notification.objects.get(kind="resolution_rejected")
    assert note.recipient_id == desk.agent.pk and note.ticket_id == ticket.pk
    assert "The footstool is still not here." in note.body
    # Top of Ada's inbox: the reopened case is the newest activity.
    mine = list(inbox_queryset(desk.agent, "mine", {}).values_list("pk", flat=True))
    assert mine[0] == ticket.pk
    # The SLA clock restarts as for any inbound message (waiting on us).
    assert ticket.resolution_due_at is None or ticket.status == Status.WAITING_US


def test_no_without_words_uses_the_standard_sentence(desk, now):
    ticket = resolved_case(desk, now)
    Client().post(links_of(ticket)["no"], {"words": "   "})
    row = Resolution.objects.get(ticket=ticket)
    assert Message.objects.get(pk=row.reopen_message_id).body == res_actions.NO_WORDS


def test_oversized_words_get_a_clear_error_and_nothing_changes(desk, now):
    ticket = resolved_case(desk, now)
    before = _snapshot(ticket)
    response = Client().post(links_of(ticket)["no"], {"words": "x" * 5001})
    assert response.status_code == 400
    assert "under 5,000 characters" in response.text
    assert _snapshot(ticket) == before
    with pytest.raises(Exception, match="too long"):
        res_actions.do_answer(
            Resolution.objects.get(ticket=ticket).pk,
            solved=False,
            customer=desk.alice,
            words="y" * 6000,
            now=now,
        )
    assert _snapshot(ticket) == before


def test_control_characters_and_markup_in_words_are_kept_harmless(desk, now):
    ticket = resolved_case(desk, now)
    before = _snapshot(ticket)
    refused = Client().post(links_of(ticket)["no"], {"words": "nul \x00 byte"})
    assert refused.status_code == 400 and "Null characters" in refused.text
    assert _snapshot(ticket) == before
    Client().post(links_of(ticket)["no"], {"words": "<script>alert(1)</script>\x07 still"})
    row = Resolution.objects.get(ticket=ticket)
    body = Message.objects.get(pk=row.reopen_message_id).body
    assert "\x07" not in body and "still" in body
    alice = Client()
    alice.force_login(desk.alice.user)
    page = alice.get(f"/portal/cases/{ticket.pk}/").text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


@pytest.mark.parametrize(
    "mangle",
    [
        lambda path: path.replace("/yes/", "/no/"),  # a yes token used as a no
        lambda path: path[:-6] + "AAAAA/",  # forged signature
        lambda path: "/portal/solved/yes/" + "x" * 400 + "/",  # oversized
        lambda path: "/portal/solved/maybe/abc/",  # unknown purpose
    ],
)
def test_forged_and_wrong_purpose_links_change_nothing(desk, now, mangle):
    ticket = resolved_case(desk, now)
    before = _snapshot(ticket)
    bad = mangle(links_of(ticket)["yes"])
    for method in ("get", "post"):
        page = getattr(Client(), method)(bad, {"words": "hi"} if method == "post" else None)
        assert page.status_code == 400
        assert "not valid" in page.text and "Nothing was changed" in page.text
    assert _snapshot(ticket) == before


def test_a_token_signed_for_another_purpose_or_salt_is_refused(desk, now):
    ticket = resolved_case(desk, now)
    row = Resolution.objects.get(ticket=ticket)
    survey_like = signing.dumps({"r": row.pk, "t": ticket.pk, "c": desk.alice.pk, "p": "yes"})
    with pytest.raises(links.BadLink, match="invalid"):
        links.read_token(survey_like, "yes")
    with pytest.raises(links.BadLink, match="wrong_purpose"):
        links.read_token(links.make_token(row.pk, ticket.pk, desk.alice.pk, "no"), "yes")
    # Another customer's id in a validly signed token: refused, nothing changed.
    other = links.make_token(row.pk, ticket.pk, desk.bob.pk, "yes")
    before = _snapshot(ticket)
    assert Client().post(f"/portal/solved/yes/{other}/").status_code == 400
    assert _snapshot(ticket) == before


def test_expired_link_gets_a_clear_page(desk, now, settings):
    ticket = resolved_case(desk, now)
    yes = links_of(ticket)["yes"]
    before = _snapshot(ticket)
    import time

    later = time.time() + (settings.CAREDESK_RESOLUTION_LINK_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time.time", return_value=later):
        page = Client().post(yes)
    assert page.status_code == 410 and "This link has expired" in page.text
    assert _snapshot(ticket) == before


def test_no_answer_in_n_days_closes_as_unconfirmed_once(desk, now, settings):
    settings.CAREDESK_RESOLUTION_CONFIRM_DAYS = 3
    ticket = resolved_case(desk, now)
    resolved_at = now + timedelta(hours=1)
    assert (
        deadlines.sweep(resolved_at + 3 * DAY - timedelta(minutes=1), ["resolution.confirm"])
        is None
    )
    assert _fresh(ticket).status == Status.RESOLVED
    report = deadlines.sweep(resolved_at + 3 * DAY, ["resolution.confirm"])
    assert report == "resolution.confirm: 1"
    ticket = _fresh(ticket)
    row = Resolution.objects.get(ticket=ticket)
    assert ticket.status == Status.CLOSED and row.outcome == Outcome.UNCONFIRMED
    assert ticket.resolution_outcome == Outcome.UNCONFIRMED and row.confirm_due_at is None
    assert deadlines.sweep(resolved_at + 4 * DAY, ["resolution.confirm"]) is None
    assert res_actions.do_close_unconfirmed(row.pk, resolved_at + 5 * DAY) is False
    assert ticket.events.filter(verb="resolution_unconfirmed").count() == 1
    # A late click on the mail: already answered, nothing changes.
    assert "Already answered" in Client().post(links_of(ticket)["no"]).text
    assert _fresh(ticket).status == Status.CLOSED


def test_staff_closing_is_closed_by_staff(desk, now):
    ticket = resolved_case(desk, now)
    actions.do_change_status(ticket, actor=desk.agent, status=Status.CLOSED, now=now + DAY)
    row = Resolution.objects.get(ticket=ticket)
    assert row.outcome == Outcome.CLOSED_BY_STAFF and row.confirm_due_at is None
    spam = actions.do_open_ticket(
        customer=desk.bob, subject="WIN BIG", body="spam", channel="portal", now=now
    )
    actions.do_change_status(spam, actor=desk.agent, status=Status.CLOSED, now=now)
    spam_row = Resolution.objects.get(ticket=spam)
    assert spam_row.outcome == Outcome.CLOSED_BY_STAFF and spam_row.resolved_by == desk.agent
    assert _fresh(spam).resolution_outcome == Outcome.CLOSED_BY_STAFF
    assert not Resolution.objects.filter(ticket=spam, outcome=Outcome.PENDING).exists()


def test_customer_writing_before_answering_settles_as_reopened(desk, now):
    ticket = resolved_case(desk, now)
    actions.do_add_customer_message(
        ticket, customer=desk.alice, body="One more thing", channel="portal", now=now + DAY
    )
    row = Resolution.objects.get(ticket=ticket)
    assert row.outcome == Outcome.REOPENED and row.counts_as_reopen
    assert "Already answered" in Client().post(links_of(ticket)["yes"]).text
    assert _fresh(ticket).status == Status.WAITING_US
    # Resolved again: a second, new question.
    actions.do_change_status(ticket, actor=desk.agent, status=Status.RESOLVED, now=now + 2 * DAY)
    assert Resolution.objects.filter(ticket=ticket).count() == 2
    assert Resolution.objects.filter(ticket=ticket, outcome=Outcome.PENDING).count() == 1


def test_machine_senders_are_never_asked(desk, now):
    ticket = resolved_case(desk, now)
    Ticket.objects.filter(pk=ticket.pk).update(from_machine=True)
    actions.do_change_status(ticket, actor=desk.agent, status=Status.WAITING_US, now=now + DAY)
    actions.do_change_status(ticket, actor=desk.agent, status=Status.RESOLVED, now=now + 2 * DAY)
    latest = Resolution.objects.filter(ticket=ticket).first()
    assert latest.outcome == Outcome.PENDING and latest.asked_at is None
    from caredesk.core.models import OutboundEmail

    assert (
        OutboundEmail.objects.filter(ticket_id=ticket.pk, subject__contains="solved").count() == 1
    )


def test_the_customer_resolving_it_themselves_counts_as_confirmed(desk, now):
    ticket = actions.do_open_ticket(
        customer=desk.alice, subject="Login", body="Cannot log in", channel="portal", now=now
    )
    actions.do_change_status(ticket, actor=desk.alice.user, status=Status.RESOLVED, now=now)
    row = Resolution.objects.get(ticket=ticket)
    assert row.outcome == Outcome.CONFIRMED and row.confirm_due_at is None
    assert not question_mail_exists(ticket)


def question_mail_exists(ticket) -> bool:
    from caredesk.core.models import OutboundEmail

    return OutboundEmail.objects.filter(ticket_id=ticket.pk, subject__contains="solved").exists()


def test_portal_case_page_asks_and_answers_for_the_signed_in_customer(desk, now):
    ticket = resolved_case(desk, now)
    alice = Client()
    alice.force_login(desk.alice.user)
    page = alice.get(f"/portal/cases/{ticket.pk}/").text
    assert "Is this solved?" in page and 'value="no"' in page
    # A colleague in the same organization sees no buttons (only the customer answers).
    response = alice.post(f"/portal/cases/{ticket.pk}/solved/", {"answer": "maybe"})
    assert response.status_code == 302 and _fresh(ticket).status == Status.RESOLVED
    alice.post(f"/portal/cases/{ticket.pk}/solved/", {"answer": "no", "words": "Still broken"})
    ticket = _fresh(ticket)
    assert ticket.status == Status.WAITING_US and ticket.resolution_outcome == Outcome.REJECTED
    assert ticket.messages.filter(body="Still broken", kind=MessageKind.CUSTOMER).exists()
    # Bob cannot answer Alice's case (404, nothing changed).
    bob = Client()
    bob.force_login(desk.bob.user)
    assert bob.post(f"/portal/cases/{ticket.pk}/solved/", {"answer": "yes"}).status_code == 404


def test_staff_case_page_and_api_show_the_outcome(desk, now):
    ticket = resolved_case(desk, now)
    staff = Client()
    staff.force_login(desk.agent)
    page = case_page_html(staff, ticket.pk)
    assert 'id="resolution-title"' in page and "Awaiting the customer" in page
    Client().post(links_of(ticket)["yes"])
    page = case_page_html(staff, ticket.pk)
    assert "Confirmed by the customer" in page
