"""Single sign-on in a real Chromium: the login page's button, the provider (a real
OpenID provider on 127.0.0.1, tests/sso_provider.py) and back to the inbox."""

from __future__ import annotations

import re

import pytest

from caredesk.accounts.models import Role, User
from tests.sso_provider import Person

pytestmark = pytest.mark.browser


def test_a_new_agent_signs_in_with_the_provider_and_lands_in_the_inbox(page, desk, provider):
    provider.person = Person("b-1", "bea@corp.test", "Bea Browser", groups=["support"])
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/login/", wait_until="domcontentloaded")
    button = page.get_by_role("link", name="Sign in with Acme ID")
    assert button.bounding_box()["width"] <= 390
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))
    user = User.objects.get(email="bea@corp.test")
    assert user.role == Role.AGENT and user.teams.get().name == "Billing"
    assert "Bea Browser" in page.content()
