"""An agent merges a duplicate into the case it repeats from the case page (looked up by
reference); the customer is told (the outbox), and a later email reply to the old
thread (run through intake as a raw message) lands on the target."""

from __future__ import annotations

import pytest

from caredesk.core.models import OutboundEmail
from caredesk.tickets.models import Message, Status, Ticket
from tests.email.conftest import ingest, make_mail

from .test_journeys import sign_in_staff

pytestmark = pytest.mark.browser


def test_merge_two_cases_notify_the_customer_and_a_later_reply_lands_in_the_target(
    browser, page, desk, live_server, settings
):
    settings.DEFAULT_FROM_EMAIL = "caredesk <support@caredesk.localhost>"
    first = ingest(make_mail(message_id="<orig@mail.test>", subject="Sofa never came"))
    target = Ticket.objects.get(pk=first.ticket_id)
    dup = ingest(
        make_mail(message_id="<dup@mail.test>", subject="Where is my sofa?", body="Sofa please")
    )
    source = Ticket.objects.get(pk=dup.ticket_id)
    assert source.pk != target.pk

    sign_in_staff(page, desk.agent.email)
    page.goto(f"/cases/{source.pk}/")
    page.fill("#merge-into", target.reference)
    page.locator("#merge-found").get_by_text("Sofa never came").wait_for()
    page.fill("#merge-note", "Same sofa order")
    page.locator("#merge-form").get_by_role("button", name="Merge").click()
    page.wait_for_url(f"**/cases/{target.pk}/")
    page.get_by_text(f"{source.reference} merged into {target.reference}").wait_for()
    assert page.locator("#timeline").get_by_text("Sofa please").is_visible()

    source.refresh_from_db()
    assert source.status == Status.MERGED and source.merged_into_id == target.pk
    notice = OutboundEmail.objects.get(ticket_id=source.pk, subject__contains="joined")
    assert notice.to == "alice@acme.test" and target.reference in notice.text

    reply = ingest(
        make_mail(
            subject=f"Re: [{source.reference}] Where is my sofa?",
            body="Any news about the sofa delivery?",
            in_reply_to="<dup@mail.test>",
            references="<dup@mail.test>",
        )
    )
    assert reply.ticket_id == target.pk
    assert Message.objects.get(body="Any news about the sofa delivery?").ticket_id == target.pk
    page.reload()
    page.locator("#timeline").get_by_text("Any news about the sofa delivery?").wait_for()
    page.goto(f"/cases/{source.pk}/")
    assert page.locator("#merged-banner").is_visible()
