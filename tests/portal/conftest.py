from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from caredesk.tickets import actions
from caredesk.tickets.models import Channel

LINK_RE = re.compile(r"https?://\S+/portal/auth/[A-Za-z0-9_-]+/")


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """Rate limits count in a per-test in-memory cache (the real one is a DB table)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "portal-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


def open_case(customer, now, subject="Parcel never arrived", body="Ordered on Monday.", **kw):
    return actions.do_open_ticket(
        customer=customer,
        subject=subject,
        body=body,
        channel=Channel.PORTAL,
        now=now,
        actor=customer.user,
        **kw,
    )


def link_from_mail(message) -> str:
    match = LINK_RE.search(message.body)
    assert match, message.body
    return match.group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def make_colleague(desk):
    from tests.conftest import make_customer

    return make_customer("cyd@acme.test", "Cyd Colleague", desk.acme)
