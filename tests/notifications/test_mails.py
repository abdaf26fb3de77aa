"""Every built-in mail renders as text and HTML, escaped once, through the one outbox."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import caredesk
from caredesk.core import mails
from caredesk.core.models import MailTemplate, Notification, OutboundEmail
from caredesk.core.outbox import render, send_mail
from caredesk.tickets import actions
from caredesk.tickets.models import Channel

HOSTILE = 'O\'Brien <b>"bold"</b> & co'


def contexts(desk, now):
    ticket = actions.do_open_ticket(
        customer=desk.alice,
        subject=HOSTILE,
        body=f"I'm told {HOSTILE}",
        channel=Channel.PORTAL,
        now=now,
    )
    message = actions.do_reply(ticket, agent=desk.agent, body=f"Reply: {HOSTILE}", now=now)
    notification = Notification(subject=f"Subject {HOSTILE}", body=f"Body {HOSTILE}", link="/")
    return {
        "acknowledgement": {"ticket": ticket},
        "reply": {"ticket": ticket, "message": message},
        "oversize": {
            "ticket": ticket,
            "notes": [f"[{HOSTILE}]"],
            "size_mb": "30.0",
            "limit_mb": "25",
            "truncated": False,
        },
        "sign_in_link": {"name": HOSTILE, "url": "https://desk.test/portal/auth/x/", "minutes": 15},
        "customer_wrote": {"ticket": ticket, "message": message},
        "handoff": {"ticket": ticket, "note": HOSTILE, "assignee": desk.agent},
        "notification": {"notification": notification, "url": "https://desk.test/", "kind": "K"},
        "digest": {"items": [{"subject": HOSTILE, "url": ""}], "count": 1, "more": 0},
        "resolution_question": {
            "ticket": ticket,
            "customer_name": HOSTILE,
            "yes_url": "https://desk.test/portal/solved/yes/x/",
            "no_url": "https://desk.test/portal/solved/no/x/",
            "days": 7,
        },
        "case_merged": {"ticket": ticket, "target": ticket, "across": False},
        "selfservice_confirmation": {
            "customer_name": HOSTILE,
            "request": SimpleNamespace(
                label=HOSTILE, details={"note": HOSTILE}, type=SimpleNamespace(name="Cancel")
            ),
            "next": HOSTILE,
        },
        "selfservice_needs_person": {
            "ticket": ticket,
            "customer_name": HOSTILE,
            "request": SimpleNamespace(label=HOSTILE),
            "why": HOSTILE,
        },
        "csat_survey": {
            "ticket": ticket,
            "customer_name": HOSTILE,
            "good_url": "https://desk.test/feedback/rate/good/x/",
            "neutral_url": "https://desk.test/feedback/rate/neutral/x/",
            "bad_url": "https://desk.test/feedback/rate/bad/x/",
            "change_days": 7,
        },
        "sla_breach_update": {
            "ticket": ticket,
            "customer_name": HOSTILE,
            "due_words": "23 Nov 2026, 10:30 (UTC)",
            "lead_name": "Lena Lead",
            "target": "frt",
        },
        "case_forward": {
            "ticket": ticket,
            "messages": [message],
            "left_out": 0,
            "note": HOSTILE,
            "sender": desk.agent,
            "internal_notes": False,
        },
        "incident_update": {
            "incident": {"title": HOSTILE},
            "update": {"body": f"Update: {HOSTILE}"},
            "customer_name": HOSTILE,
            "essential": False,
            "resolved": False,
            "portal_url": "https://desk.test/portal/",
            "unsubscribe_url": "https://desk.test/portal/incidents/unsubscribe/x/",
        },
    }


def test_every_built_in_mail_renders_text_and_html_escaped_once(desk, now):
    samples = contexts(desk, now)
    assert set(samples) == set(mails.BUILT_IN), "add a sample for each new built-in mail"
    for name, context in samples.items():
        subject, text, html = render(name, context)
        assert subject and "\n" not in subject, name
        assert HOSTILE in text, name  # plain text: as written
        assert "&#x27;" not in text and "&lt;" not in text and "&amp;" not in text, name
        assert "<p>" in html, name
        assert "O&#x27;Brien &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; co" in html, name
        assert "&amp;lt;" not in html and "&amp;#x27;" not in html, name


def test_admins_can_override_any_built_in_mail(desk, now):
    MailTemplate.objects.create(
        name="notification",
        subject="Heads-up: {{ notification.subject }}",
        text="Look: {{ notification.body }}",
    )
    samples = contexts(desk, now)
    subject, text, html = render("notification", samples["notification"])
    assert subject == f"Heads-up: Subject {HOSTILE}" and text == f"Look: Body {HOSTILE}"
    assert "Look: Body O&#x27;Brien" in html


def test_case_mail_threads_and_keeps_the_case_token(desk, now):
    ticket = actions.do_open_ticket(
        customer=desk.alice, subject="Parcel", body="Where is it?", channel=Channel.PORTAL, now=now
    )
    MailTemplate.objects.create(
        name="reply", subject="About your parcel", text="{{ message.body }}"
    )
    reply = actions.do_reply(ticket, agent=desk.agent, body="On its way.", now=now)
    row = OutboundEmail.objects.get(message_id=reply.pk)
    assert row.subject == f"[{ticket.reference}] About your parcel"
    assert "Auto-Submitted" not in row.headers and row.ticket_id == ticket.pk
    second = send_mail(
        "reply",
        "alice@acme.test",
        {"ticket": ticket, "message": reply},
        now=now,
        kind="reply",
        case_id=ticket.pk,
        message_id=reply.pk,
        thread=True,
        auto=False,
    )
    assert second.headers["In-Reply-To"] == row.rfc_message_id
    assert row.rfc_message_id in second.headers["References"]


def test_mail_to_our_own_address_is_never_sent(desk, now, settings):
    settings.CAREDESK_EMAIL_OWN_ADDRESSES = ["desk@caredesk.test"]
    row = send_mail("digest", "DESK@caredesk.test", {"items": [], "count": 0, "more": 0}, now=now)
    assert row.state == "suppressed" and "own addresses" in row.last_error


def test_a_plus_address_of_ours_counts_as_ours(desk, now, settings):
    """``support+abc@desk.example`` is the desk's own when ``support@desk.example`` is:
    the outbox never mails it (a mail loop through plus-addressing)."""
    settings.DEFAULT_FROM_EMAIL = "Support <support@desk.example>"
    settings.CAREDESK_EMAIL_OWN_ADDRESSES = ["help@desk.example"]
    context = {"items": [], "count": 0, "more": 0}
    for to in (
        "support+abc@desk.example",
        "SUPPORT+cd-12@Desk.Example",
        "Desk <help+x@desk.example>",
    ):
        row = send_mail("digest", to, context, now=now)
        assert row is not None and row.state == "suppressed", to
    # Someone else's plus-address, or a look-alike domain, is mailed as usual.
    for to in ("support+abc@desk.example.org", "supportx+abc@desk.example", "ann+desk@x.test"):
        row = send_mail("digest", to, context, now=now)
        assert row is not None and row.state == "queued", to


def test_only_the_outbox_talks_to_the_mail_backend():
    root = Path(caredesk.__file__).parent
    users = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if re.search(r"EmailMessage|EmailMultiAlternatives|django\.core\.mail", p.read_text())
    )
    assert users == ["core/outbox.py"]
