"""A mailed reply shows on the case page whether the email actually went out."""

from __future__ import annotations

from caredesk.core.models import OutboundEmail
from caredesk.tickets import actions
from tests.case_page import case_page_html

from .conftest import signed_in


def test_sent_reply_shows_email_sent(client, desk, case, now):
    actions.do_reply(case, agent=desk.agent, body="Your refund is on its way.", now=now)
    signed_in(client, desk.agent)
    page = case_page_html(client, case.pk)
    assert "Email sent" in page


def test_failed_delivery_is_visible_to_the_agent(client, desk, case, now):
    message = actions.do_reply(case, agent=desk.agent, body="Your refund is on its way.", now=now)
    # The SMTP server refused it on every attempt (set directly: this is the outcome under test).
    OutboundEmail.objects.filter(message_id=message.pk).update(
        state="failed", last_error="550 no such user"
    )
    signed_in(client, desk.agent)
    page = case_page_html(client, case.pk)
    assert "Email failed" in page
    assert "Email sent" not in page


def test_notes_never_show_a_delivery_state(client, desk, case, now):
    actions.do_add_note(case, agent=desk.agent, body="Checked the warehouse.", now=now)
    signed_in(client, desk.agent)
    page = case_page_html(client, case.pk)
    assert "Email sent" not in page and "Email queued" not in page
