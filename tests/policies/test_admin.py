"""Authoring in the admin: versions are added, never edited; a malformed rule is refused
with the position of the mistake; every save goes through the actions (audited)."""

from __future__ import annotations

import re

import pytest

from caredesk.core.models import Event
from caredesk.policies.models import EligibilityRule, Policy, PolicyVersion

from .helpers import returns_policy


def _form(**extra):
    data = {
        "slug": "delivery-window",
        "title": "Delivery window",
        "record_categories": "[]",
        "case_tags": '["delivery"]',
        "is_active": "on",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "0",
        "versions-0-customer_text": "Four-hour windows.",
        "versions-0-internal_notes": "",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-0-applies_to": "return",
        "rules-0-effect": "require",
        "rules-0-expression": "record.amount <= 500",
        "rules-0-reason": "Orders up to 500 only.",
        "rules-0-position": "0",
        "rules-0-is_active": "on",
    }
    data.update(extra)
    return data


def test_a_policy_with_its_first_version_and_a_rule(client, desk):
    client.force_login(desk.admin)
    response = client.post("/admin/policies/policy/add/", _form())
    assert response.status_code == 302, re.findall(
        r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S
    )
    policy = Policy.objects.get()
    assert [v.number for v in policy.versions.all()] == [1]
    assert policy.rules.get().expression == "record.amount <= 500"
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {"policy.saved", "policy.version_published", "policy.rule_saved"} <= kinds


def test_a_malformed_rule_is_refused_in_the_admin_with_the_position(client, desk):
    client.force_login(desk.admin)
    response = client.post(
        "/admin/policies/policy/add/", _form(**{"rules-0-expression": "line.colour == 'red'"})
    )
    assert response.status_code == 200
    assert "Unknown field “line.colour”" in response.content.decode()
    assert "at column 1" in response.content.decode()
    assert not Policy.objects.exists() and not EligibilityRule.objects.exists()


@pytest.mark.parametrize("path", ["policy", "policycategory", "acknowledgement", "policyversion"])
def test_the_admin_pages_load(client, desk, now, path):
    returns_policy(now)
    client.force_login(desk.admin)
    response = client.get(f"/admin/policies/{path}/")
    assert response.status_code in (200, 404)
    policy = Policy.objects.get()
    assert client.get(f"/admin/policies/policy/{policy.pk}/change/").status_code == 200


def test_a_published_version_cannot_be_changed_in_the_admin(client, desk, now):
    policy = returns_policy(now)
    client.force_login(desk.admin)
    page = client.get(f"/admin/policies/policy/{policy.pk}/change/").content.decode()
    assert 'name="versions-0-customer_text"' not in page  # shown read-only
    assert PolicyVersion.objects.filter(policy=policy).count() == 1


def test_records_admin_is_read_only(client, desk):
    client.force_login(desk.admin)
    assert client.get("/admin/records/record/").status_code == 200
    assert client.get("/admin/records/record/add/").status_code == 403


def test_a_rule_is_deleted_through_the_action(client, desk, now):
    policy = returns_policy(now)
    rules = list(policy.rules.order_by("position", "id"))
    version = policy.versions.get()
    client.force_login(desk.admin)
    data = {
        "slug": "returns",
        "title": "Returns",
        "record_categories": '["hygiene"]',
        "case_tags": "[]",
        "is_active": "on",
        "versions-TOTAL_FORMS": "2",
        "versions-INITIAL_FORMS": "1",
        "versions-0-id": str(version.pk),
        "versions-0-policy": str(policy.pk),
        "versions-1-customer_text": "A second version.",
        "rules-TOTAL_FORMS": "2",
        "rules-INITIAL_FORMS": "2",
    }
    for i, r in enumerate(rules):
        data.update(
            {
                f"rules-{i}-id": str(r.pk),
                f"rules-{i}-policy": str(policy.pk),
                f"rules-{i}-applies_to": r.applies_to,
                f"rules-{i}-effect": r.effect,
                f"rules-{i}-expression": r.expression,
                f"rules-{i}-reason": r.reason,
                f"rules-{i}-position": str(r.position),
                f"rules-{i}-is_active": "on",
            }
        )
    data["rules-0-DELETE"] = "on"
    response = client.post(f"/admin/policies/policy/{policy.pk}/change/", data)
    assert response.status_code == 302, re.findall(
        r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S
    )
    assert list(policy.rules.all()) == [rules[1]]
    assert [v.number for v in policy.versions.all()] == [2, 1]
    assert version.customer_text == PolicyVersion.objects.get(pk=version.pk).customer_text
    assert Event.objects.filter(kind="policy.rule_deleted").count() == 1
