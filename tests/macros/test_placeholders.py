"""Placeholders: rendering from plain strings, sensible fallbacks, hostile text refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from caredesk.core.errors import DomainError
from caredesk.customers.models import Customer
from caredesk.macros import placeholders
from caredesk.macros.actions import do_apply_macro
from caredesk.macros.models import Macro, Scope

from .conftest import make_macro, open_case


def render_for(case, agent, now, body, **kw):
    return placeholders.render(body, placeholders.values(case, agent, now, **kw))


def test_placeholders_are_filled_from_the_case(desk, now, case):
    body = "Hi {{ customer.first_name }} ({{ customer.name }}), {{ case.reference }}: {{ case.subject }}. {{ agent.name }} / {{ agent.first_name }}"
    text = render_for(case, desk.agent, now, body)
    assert text == (
        f"Hi Alice (Alice Acme), {case.reference}: Delivery came outside the window. "
        "Ada Agent / Ada"
    )


def test_missing_customer_name_falls_back_to_a_greeting(desk, now):
    nameless = Customer.objects.create(name="")
    case = open_case(desk, now, customer=nameless)
    assert render_for(case, desk.agent, now, "Hi {{ customer.first_name }},") == "Hi there,"
    by_address = Customer.objects.create(name="someone@example.test")
    case = open_case(desk, now, customer=by_address)
    assert render_for(case, desk.agent, now, "Dear {{ customer.name }}") == "Dear there"


def test_promise_due_is_in_the_promise_wording_or_a_fallback(desk, now, case):
    assert render_for(case, desk.agent, now, "by {{ promise.due }}") == "by as soon as we can"
    from datetime import timedelta

    text = render_for(
        case, desk.agent, now, "by {{ promise.due }}", promise_due=now + timedelta(hours=3)
    )
    assert text == "by Monday 23 November 2026 at 12:30 (UTC)"


def test_html_is_not_escaped_in_plain_text_replies(desk, now):
    customer = Customer.objects.create(name="Tom & Jerry <Ltd>")
    case = open_case(desk, now, customer=customer)
    assert render_for(case, desk.agent, now, "Hi {{ customer.name }}") == "Hi Tom & Jerry <Ltd>"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("{{ settings.SECRET_KEY }}", "Unknown placeholder {{ settings.SECRET_KEY }}"),
        ("{% load static %}hello", "Template tags"),
        ("{% load log %}{% get_admin_log 10 as log %}", "Template tags"),
        ("{% if 1 %}x{% endif %}", "Template tags"),
        ("{% debug %}", "Template tags"),
        ("{% include 'base.html' %}", "Template tags"),
        ("{{ customer.name|upper }}", "Filters are not allowed"),
        ("{{ customer.name.__class__ }}", "broken placeholder"),
        ("{{ customer.nam }}", "Unknown placeholder {{ customer.nam }}"),
        ("{{ 'literal' }}", "is not a placeholder"),
        ("{{ offer.discount }}", "offers are never put in macros"),
        ("{{ request.user.password }}", "Unknown placeholder {{ request.user.password }}"),
        ("Hi {{ customer.first_name", "broken placeholder"),
        ("Hi customer.first_name }}", "broken placeholder"),
        ("{{ }}", "broken placeholder"),
    ],
)
def test_hostile_or_broken_bodies_are_refused_with_the_reason(body, says):
    with pytest.raises(DomainError) as refused:
        placeholders.check_body(body)
    if says:
        assert says in refused.value.message


def test_a_one_megabyte_body_is_refused():
    with pytest.raises(DomainError) as refused:
        placeholders.check_body("x" * 1_000_000)
    assert refused.value.code == "too_long"
    assert "20,000" in refused.value.message


def test_the_rendering_context_holds_only_plain_strings(desk, now, case):
    context = placeholders.values(case, desk.agent, now)
    for space in context.values():
        assert all(type(v) is str for v in space.values())


def test_a_body_that_bypassed_the_check_still_renders_nothing_secret(desk, now, case):
    # Written straight to the table (not through the action): apply re-checks and refuses.
    macro = Macro.objects.create(title="Bad", scope=Scope.GLOBAL, body="{{ settings.SECRET_KEY }}")
    with pytest.raises(DomainError):
        do_apply_macro(desk.agent, case, macro, now)
    assert Macro.objects.get(pk=macro.pk).use_count == 0


class PolicySource:
    """What the policies app would register under CAREDESK_MACRO_PLACEHOLDER_SOURCES."""

    @staticmethod
    def names():
        return ["policy.delivery_window"]

    @staticmethod
    def values(ticket, now):
        return {"policy.delivery_window": "Deliveries come within the booked 4-hour window."}


BAD_SOURCE_NAMES = type("Bad", (), {"names": staticmethod(lambda: ["customer.secret"])})


def test_an_installed_app_adds_policy_placeholders(desk, now, case, settings):
    settings.CAREDESK_MACRO_PLACEHOLDER_SOURCES = ["tests.macros.test_placeholders.PolicySource"]
    macro = make_macro(desk.agent, now, body="Our policy: {{ policy.delivery_window }}")
    applied = do_apply_macro(desk.agent, case, macro, now)
    assert applied.text == "Our policy: Deliveries come within the booked 4-hour window."
    settings.CAREDESK_MACRO_PLACEHOLDER_SOURCES = []
    with pytest.raises(DomainError, match="Unknown placeholder"):
        placeholders.check_body("{{ policy.delivery_window }}")


def test_a_source_may_not_take_a_built_in_namespace(settings):
    settings.CAREDESK_MACRO_PLACEHOLDER_SOURCES = [
        "tests.macros.test_placeholders.BAD_SOURCE_NAMES"
    ]
    with pytest.raises(ImproperlyConfigured):
        placeholders.known_names()
