"""The collision notice with REDIS_URL: presence in the real Redis, not the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from caredesk.workspace import presence
from caredesk.workspace.models import CasePresence
from tests.redisdb import RedisDB, redis_db  # noqa: F401 - the fixture
from tests.workspace.conftest import signed_in


@pytest.fixture
def on_redis(settings, redis_db: RedisDB):  # noqa: F811
    settings.REDIS_URL = redis_db.url
    settings.CAREDESK_REDIS_KEY_PREFIX = redis_db.prefix
    return redis_db


def test_viewers_and_typists_are_shown_from_redis(desk, client, case, on_redis):
    signed_in(client, desk.lead)
    assert client.post(f"/cases/{case.pk}/presence", {"typing": "1"}).status_code == 200
    signed_in(client, desk.agent)
    html = client.post(f"/cases/{case.pk}/presence").content.decode()
    assert "Lena Lead</strong> is typing a reply" in html and "Ada Agent" not in html
    assert not CasePresence.objects.exists()  # nothing written to the database
    key = f"{on_redis.prefix}:presence:{case.pk}"
    assert on_redis.client.hlen(key) == 2 and 0 < on_redis.client.ttl(key) <= 60


def test_stale_viewers_and_ended_typing_are_not_shown(desk, case, on_redis):
    moment = timezone.now()
    presence.touch_presence(case, desk.lead, typing=True, now=moment - timedelta(seconds=31))
    assert presence.other_viewers(case, desk.agent, now=moment) == []
    presence.touch_presence(case, desk.lead, typing=False, now=moment - timedelta(seconds=10))
    viewers = presence.other_viewers(case, desk.agent, now=moment)
    assert [(v.name, v.typing) for v in viewers] == [("Lena Lead", False)]


def test_a_viewer_who_stops_typing_stays_a_typist_until_the_mark_runs_out(desk, case, on_redis):
    moment = timezone.now()
    presence.touch_presence(case, desk.lead, typing=True, now=moment)
    presence.touch_presence(case, desk.lead, typing=False, now=moment + timedelta(seconds=2))
    assert [v.typing for v in presence.other_viewers(case, desk.agent, now=moment)] == [True]
    later = moment + timedelta(seconds=9)
    assert [v.typing for v in presence.other_viewers(case, desk.agent, now=later)] == [False]


def test_deactivated_staff_are_not_shown(desk, case, on_redis):
    moment = timezone.now()
    presence.touch_presence(case, desk.lead, typing=False, now=moment)
    desk.lead.is_active = False
    desk.lead.save()
    assert presence.other_viewers(case, desk.agent, now=moment) == []


def test_presence_is_still_checked_for_access(desk, client, case, on_redis):
    signed_in(client, desk.other_agent)
    assert client.post(f"/cases/{case.pk}/presence").status_code == 404
    assert on_redis.client.exists(f"{on_redis.prefix}:presence:{case.pk}") == 0


def test_fields_it_did_not_write_are_ignored(desk, client, case, on_redis):
    key = f"{on_redis.prefix}:presence:{case.pk}"
    on_redis.client.hset(key, mapping={"not-a-user": "1|2", str(desk.lead.pk): "garbage"})
    signed_in(client, desk.agent)
    response = client.post(f"/cases/{case.pk}/presence", {"typing": "0"})
    assert response.status_code == 200 and "Lena Lead" not in response.content.decode()
    presence.touch_presence(case, desk.lead, typing=False, now=timezone.now())  # overwrites it
    viewers = presence.other_viewers(case, desk.agent, now=timezone.now())
    assert [v.name for v in viewers] == ["Lena Lead"]
