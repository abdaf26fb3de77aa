"""The customer clicks "No, it is not" in the "Is this solved?" mail (the URL read from
the outbox row), confirms with their words, the case reopens with them, and the agent
sees it at the top of their inbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from caredesk.core.models import OutboundEmail
from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Status, Ticket

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser


def _case(desk, subject, now):
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject=subject,
        body="The sofa came but the footstool did not.",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    actions.do_assign(ticket, actor=desk.agent, assignee=desk.agent, team=desk.billing, now=now)
    return ticket


def test_no_it_is_not_from_the_mail_reopens_the_case_at_the_top_of_the_inbox(
    browser, page, desk, live_server, tmp_path
):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: mail is read there
    now = timezone.now()
    footstool = _case(desk, "Footstool missing", now - timedelta(days=2))
    actions.do_reply(
        footstool,
        agent=desk.agent,
        body="The footstool is on its way.",
        now=now - timedelta(days=1),
        status_after=Status.RESOLVED,
    )
    _case(desk, "Newer unrelated case", now - timedelta(hours=1))
    mail = OutboundEmail.objects.get(ticket_id=footstool.pk, subject__contains="Is this solved?")
    no_url = re.search(r"https?://\S+/portal/solved/no/\S+/", mail.text)
    assert no_url, mail.text
    page.goto("/" + no_url.group(0).split("/", 3)[3])
    assert page.get_by_role("heading", name="Not solved yet?").is_visible()
    assert Ticket.objects.get(pk=footstool.pk).status == Status.RESOLVED  # the GET did nothing
    page.fill("#solved-words", "The footstool still has not come.")
    page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
    page.get_by_role("button", name="No, it is not solved").click()
    page.get_by_text("is open again").wait_for()
    ticket = Ticket.objects.get(pk=footstool.pk)
    assert ticket.status == Status.WAITING_US and ticket.resolution_outcome == "rejected"
    # The agent's inbox: the reopened case on top, with the customer's words on it.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_staff(page, "ada@desk.test")
    page.goto("/?tab=mine")
    first_row = page.locator("#inbox tbody tr").first
    assert "Footstool missing" in first_row.inner_text()
    page.goto(f"/cases/{ticket.pk}/")
    page.get_by_text("The footstool still has not come.").first.wait_for()
    assert "Rejected by the customer" in page.locator("#resolution").inner_text()
