from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from caredesk.kb.actions import ArticleData, do_publish_article, do_save_category, do_write_article
from caredesk.kb.models import Visibility


@pytest.fixture(autouse=True)
def _local_cache(settings):
    """Rate limits count in a per-test in-memory cache."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kb"}
    }
    cache.clear()
    yield
    cache.clear()


def write(actor, now, title="Returning an item", body="Send it back within 30 days.", **kw):
    return do_write_article(actor=actor, data=ArticleData(title=title, body=body, **kw), now=now)


def published(desk, now, title="Returning an item", body="Send it back within 30 days.", **kw):
    article = write(desk.lead, now, title, body, **kw)
    return do_publish_article(actor=desk.lead, article=article, now=now)


@pytest.fixture
def articles(desk, now):
    """A public article, an internal one, a draft and an archived one, in a category."""
    cat = do_save_category(actor=desk.lead, name="Returns", now=now, description="Sending back")
    public = published(
        desk,
        now,
        "How to return a parcel",
        "Print the **label** and drop the parcel off.",
        category=cat,
    )
    internal = published(
        desk,
        now,
        "Parcel refund override",
        "Agents may refund a lost parcel up to 50.",
        visibility=Visibility.INTERNAL,
        category=cat,
    )
    draft = write(desk.agent, now, "Parcel draft tips", "Not ready: parcel lockers.", category=cat)
    archived = published(desk, now, "Old parcel rules", "Parcels went by boat.")
    from caredesk.kb.actions import do_archive_article

    archived = do_archive_article(actor=desk.lead, article=archived, now=now)

    class A:
        pass

    a = A()
    a.cat, a.public, a.internal, a.draft, a.archived = cat, public, internal, draft, archived
    return a


@pytest.fixture
def customer_client(desk):
    client = Client()
    client.force_login(desk.alice.user)
    return client


@pytest.fixture
def agent_client(desk):
    client = Client()
    client.force_login(desk.agent)
    return client


@pytest.fixture
def lead_client(desk):
    client = Client()
    client.force_login(desk.lead)
    return client
