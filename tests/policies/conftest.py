from __future__ import annotations

import pytest

from caredesk.core import clock


@pytest.fixture
def frozen(monkeypatch, now):
    """Views read the clock; tests set it."""
    monkeypatch.setattr(clock, "now", lambda: now)
    return now


@pytest.fixture
def agent_client(client, desk):
    client.force_login(desk.agent)
    return client
