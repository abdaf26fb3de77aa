from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache

from caredesk.core.models import OutboundEmail
from caredesk.tickets import actions
from caredesk.tickets.models import Channel, Status
from tests.api.conftest import api  # noqa: F401  (fixture for test_api.py)
from tests.email.conftest import mail_settings  # noqa: F401  (fixture for test_follow_up.py)

LINK_RE = re.compile(r"https?://\S+?(/portal/solved/(yes|no)/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "res"}
    }
    cache.clear()
    yield
    cache.clear()


def resolved_case(desk, now, *, customer=None, **kw):
    """A case Ada answered and resolved an hour after it opened."""
    ticket = actions.do_open_ticket(
        customer=customer or desk.alice,
        subject="Footstool missing from delivery",
        body="The sofa came but the footstool did not.",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
        **kw,
    )
    actions.do_assign(ticket, actor=desk.agent, assignee=desk.agent, team=desk.billing, now=now)
    actions.do_reply(
        ticket,
        agent=desk.agent,
        body="The footstool is on its way.",
        now=now + timedelta(hours=1),
        status_after=Status.RESOLVED,
    )
    ticket.refresh_from_db()
    return ticket


def question_mail(ticket) -> OutboundEmail:
    return OutboundEmail.objects.get(ticket_id=ticket.pk, subject__contains="Is this solved?")


def links_of(ticket) -> dict[str, str]:
    """{"yes": path, "no": path} from the outbox row's body."""
    found = {m.group(2): m.group(1) for m in LINK_RE.finditer(question_mail(ticket).text)}
    assert set(found) == {"yes", "no"}, question_mail(ticket).text
    return found
