"""In Chromium: an agent asks for a refund above their limit, the lead approves a lower
amount, the agent sees the decision and tells the customer with one click."""

from __future__ import annotations

import pytest
from django.core import mail

from caredesk.escalations.defaults import seed
from caredesk.escalations.models import ActionType, ApprovalRequest, AuthorityLimit
from caredesk.tickets import actions
from caredesk.tickets.models import Channel
from tests.browser.test_journeys import sign_in_staff

pytestmark = pytest.mark.browser


def test_refund_above_the_limit_is_approved_lower_and_the_customer_is_told(
    browser, live_server, desk, now
):
    seed(ActionType, AuthorityLimit)
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject="Charged twice",
        body="You charged my card twice for order 4411.",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    errors: list[str] = []

    def new_page():
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        return page

    agent = new_page()
    sign_in_staff(agent, "ada@desk.test")
    agent.goto(f"/cases/{ticket.pk}/")
    agent.get_by_text("Offer a goodwill action").click()
    agent.select_option("#goodwill-type", label="Refund")
    agent.fill("#goodwill-amount", "120")
    agent.fill("#goodwill-reason", "Both payments show on the bank statement.")
    agent.get_by_role("button", name="Apply or request approval").click()
    agent.get_by_text("sent to Lena Lead for approval").wait_for()

    lead = new_page()
    sign_in_staff(lead, "lena@desk.test")
    lead.goto("/escalations/")
    lead.get_by_role("link", name="Decide").click()
    assert "charged my card twice" in lead.locator("#original-request").inner_text()
    lead.get_by_label("Approve a different amount").check()
    lead.fill("#decision-amount", "80")
    lead.fill("#decision-reason", "One charge was a pre-authorisation; refund the real one.")
    lead.get_by_role("button", name="Save decision").click()
    lead.get_by_text("Decision saved").wait_for()

    agent.goto(f"/cases/{ticket.pk}/")
    decision = agent.locator(f"#approval-{ApprovalRequest.objects.get().pk}")
    assert "80.00 EUR" in decision.inner_text()
    assert "pre-authorisation" in decision.inner_text()
    decision.get_by_role("button", name="Tell the customer").click()
    agent.get_by_text("The customer was told the decision.").wait_for()
    assert agent.locator(".msg-reply").filter(has_text="80.00 EUR").count() == 1
    assert mail.outbox[-1].to == ["alice@acme.test"] and "80.00 EUR" in mail.outbox[-1].body
    assert not errors, errors
