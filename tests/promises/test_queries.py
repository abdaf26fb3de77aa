"""The promise panels cost a fixed number of queries, however many promises a case holds."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import promise


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_case_page_and_portal_queries_do_not_grow_with_promises(client, desk, case, now, frozen):
    client.force_login(desk.agent)
    promise(case, desk.agent, now)
    one = _count(client, f"/cases/{case.pk}/")
    for i in range(8):
        promise(case, desk.agent, now, hours=2 + i, kind="update")
    assert _count(client, f"/cases/{case.pk}/") == one
    client.force_login(desk.alice.user)
    first = _count(client, f"/portal/cases/{case.pk}/")
    promise(case, desk.agent, now, hours=20)
    assert _count(client, f"/portal/cases/{case.pk}/") == first
