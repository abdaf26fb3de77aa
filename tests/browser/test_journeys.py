"""End-to-end journeys in a real Chromium: what an agent and a customer actually do."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Status, Ticket

pytestmark = pytest.mark.browser


def sign_in_staff(page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def sign_in_customer(page, email: str) -> None:
    page.goto("/portal/")
    page.fill("input[name=email]", email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_text("sign-in link", exact=False).first.wait_for()
    link = re.search(r"https?://\S+/portal/auth/\S+/", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    path = "/" + link.group(0).split("/", 3)[3]
    page.goto(path)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/portal/cases/"))


def test_agent_finds_a_case_replies_and_hands_it_over(page, desk, now):
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Shower seat return",
        channel=Channel.EMAIL,
        now=now,
        body="Can I return the shower seat? It is unopened.",
        team=desk.billing,
    )
    sign_in_staff(page, "ada@desk.test")
    # The inbox lists the case; search finds it by a word from the customer's message.
    page.fill("input[type=search]", "unopened")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=ticket.reference).click()
    page.wait_for_url(re.compile(rf"/cases/{ticket.pk}/"))
    # The customer's own words are pinned at the top.
    assert "It is unopened." in page.locator("#original-request").inner_text()

    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-body"
    page.keyboard.type(
        "Hygiene items like shower seats cannot be returned once delivered, but we can offer an exchange."
    )
    page.get_by_role("button", name="Send reply").click()
    page.locator(".msg-reply").filter(has_text="offer an exchange").wait_for()

    page.select_option("select[name=team]", label="Billing")
    page.select_option("select[name=assignee]", label="Lena Lead (Billing)")
    page.fill("textarea[name=handoff_note]", "Customer may push back; policy explained once.")
    page.get_by_role("button", name="Reassign").click()
    page.get_by_text("Customer may push back; policy explained once.").first.wait_for()

    ticket.refresh_from_db()
    assert ticket.assignee == desk.lead
    assert ticket.status == Status.WAITING_CUSTOMER
    assert mail.outbox[-1].to == ["lena@desk.test"]
    assert "It is unopened." in mail.outbox[-1].body


def test_customer_opens_a_case_and_sees_the_agents_reply(page, desk, now):
    sign_in_customer(page, "bob@small.test")
    page.get_by_role("link", name=re.compile("open a new case", re.I)).first.click()
    page.fill("input[name=subject]", "Cancel my gym membership")
    page.fill("textarea[name=body]", "Please cancel my membership at the end of this month.")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "contract.txt", "mimeType": "text/plain", "buffer": b"Contract 42"}],
    )
    page.get_by_role("button", name="Open case").click()
    page.wait_for_url(re.compile(r"/portal/cases/\d+/"))
    ticket = Ticket.objects.get(subject="Cancel my gym membership")
    assert ticket.customer == desk.bob and ticket.channel == Channel.PORTAL
    assert page.get_by_text(
        "Please cancel my membership at the end of this month."
    ).first.is_visible()
    assert page.get_by_role("link", name="contract.txt").is_visible()

    actions.do_reply(
        ticket, agent=desk.other_agent, body="Done: your membership ends on 30 November.", now=now
    )
    actions.do_add_note(
        ticket, agent=desk.other_agent, body="Offered nothing, as the customer asked.", now=now
    )
    page.reload()
    assert page.get_by_text("Done: your membership ends on 30 November.").is_visible()
    assert page.get_by_text("Offered nothing").count() == 0
    # The history shows the status change with its time.
    assert page.get_by_text(re.compile("Waiting on customer", re.I)).first.is_visible()

    page.fill("#portal-reply", "Thank you!")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Thank you!").first.wait_for()
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_US
