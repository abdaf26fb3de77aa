from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.cache import cache

from caredesk.tickets import actions
from caredesk.tickets.models import Channel


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    """Rate-limit counters live in the cache table, which the flush after a test with real
    commits does not empty."""
    cache.clear()
    yield
    cache.clear()


def open_case(desk, now, *, customer=None, subject="Parcel arrived damaged", body=None, **kw):
    return actions.do_open_ticket(
        customer=customer or desk.alice,
        subject=subject,
        body=body or "The box was crushed and the vase inside is broken.",
        channel=kw.pop("channel", Channel.PORTAL),
        now=kw.pop("at", now),
        **kw,
    )


@pytest.fixture
def case(desk, now):
    """A Billing case from Alice (VIP org)."""
    return open_case(desk, now, team=desk.billing)


def signed_in(client, user):
    client.force_login(user)
    return client


def later(now, minutes=1):
    return now + timedelta(minutes=minutes)


class _InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name.lower() for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        for name in names:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
        if tag == "style":
            self.problems.append("inline <style>")


def assert_no_inline_script(html: str) -> None:
    """Parsed, not grepped: escaped text such as ``&lt;img onerror=…&gt;`` is harmless."""
    finder = _InlineFinder()
    finder.feed(html)
    assert finder.problems == []
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html, re.IGNORECASE)
