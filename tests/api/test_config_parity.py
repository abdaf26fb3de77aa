"""Configuration parity: every model an admin can add, change or delete in the Django
admin has an API operation that does the same, or is on an explicit list with the reason.

The test asks the admin site itself (``get_app_list`` for a signed-in admin: the models
and the add/change/delete permissions each ModelAdmin grants), not a hand-kept list, and
looks the operations up in the OpenAPI document. A new editable admin model without an
API operation fails here.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.test import RequestFactory

from caredesk.sla.admin import TierRuleAdmin
from caredesk.sla.models import TierRule
from tests.api.test_parity import operation_ids

EDITS = ("add", "change", "delete")

# model label → admin permission → operationId of the API operation doing the same.
ADMIN_OPERATIONS: dict[str, dict[str, str]] = {
    "accounts.User": {"add": "create_staff", "change": "update_staff"},
    "accounts.Team": {"add": "create_team", "change": "update_team", "delete": "delete_team"},
    "accounts.ApiToken": {"change": "revoke_token"},
    "customers.Customer": {"add": "create_customer", "change": "update_customer"},
    "customers.Organization": {"add": "create_organization", "change": "update_organization"},
    "sla.BusinessCalendar": {
        "add": "create_calendar",
        "change": "update_calendar",
        "delete": "delete_calendar",
    },
    "sla.SlaPolicy": {"add": "create_sla_policy", "change": "update_sla_policy"},
    "sla.TierRule": {
        "add": "set_tier_rule",
        "change": "set_tier_rule",
        "delete": "delete_tier_rule",
    },
    "offers.Offer": {"add": "create_offer"},
    # Retired, never deleted (the admin offers no delete).
    "customfields.FieldDefinition": {
        "add": "create_field_definition",
        "change": "update_field_definition",
    },
    # The admin's privacy page erases (export is a download, not an edit).
    "privacy.CustomerPrivacy": {"change": "erase_customer"},
    "privacy.LegalHold": {"add": "place_legal_hold", "change": "lift_legal_hold"},
    "privacy.RetentionRule": {
        "add": "set_retention",
        "change": "set_retention",
        "delete": "set_retention",
    },
    "selfservice.RequestType": {
        "add": "create_selfservice_type",
        "change": "update_selfservice_type",
    },
    "webhooks.Endpoint": {
        "add": "create_endpoint",
        "change": "update_endpoint",
        "delete": "delete_endpoint",
    },
}

# (model label, permission or "*") → why the API has no operation for it.
ADMIN_ONLY: dict[tuple[str, str], str] = {
    ("auth.Group", "*"): "caredesk roles, not Django groups, decide what staff may do",
    ("otp_totp.TOTPDevice", "*"): (
        "a person sets up two-factor sign-in with a code in the browser; admins only "
        "remove a lost device"
    ),
    ("otp_static.StaticDevice", "*"): (
        "recovery codes are made by their owner in the browser and shown once; admins only "
        "remove those of a lost device"
    ),
    ("email.Mailbox", "*"): "holds mail-server passwords: kept out of the API on purpose",
    ("core.OutboundEmail", "delete"): "housekeeping of the outgoing-mail log",
    ("phone.CallLog", "delete"): "housekeeping; calls are logged with log_call",
    ("tickets.Tag", "*"): "tags are set on cases (update_case); the tag list is housekeeping",
    ("customers.Customer", "delete"): "erasing a customer's data is an admin decision",
    ("customers.Organization", "delete"): "removing an organization is an admin decision",
    ("core.MailTemplate", "*"): "not in the API yet: mail wording is edited in the admin",
    ("escalations.ActionType", "*"): "not in the API yet: goodwill action types and limits",
    ("promises.PromiseTemplate", "*"): "not in the API yet: promise wording templates",
    ("sla.TeamRouting", "*"): "not in the API yet: automatic assignment per team",
    ("sla.AgentCapacity", "*"): "not in the API yet: automatic assignment capacity",
    ("offers.Offer", "change"): "not in the API yet: offers are edited in the admin",
    ("offers.Segment", "*"): "not in the API yet: customer segments for offers",
    ("policies.Policy", "*"): (
        "not in the API yet: policies and their versions are written in the admin "
        "(through the policies actions); the API reads them and records acknowledgements"
    ),
    ("policies.PolicyCategory", "*"): "not in the API yet: the list of policy categories",
}


def editable(site: AdminSite, user) -> dict[str, set[str]]:
    """Model label → the edits the admin site offers ``user`` for it."""
    request = RequestFactory().get("/admin/")
    request.user = user
    found: dict[str, set[str]] = {}
    for app in site.get_app_list(request):
        for entry in app["models"]:
            edits = {perm for perm in EDITS if entry["perms"].get(perm)}
            if edits:
                found[entry["model"]._meta.label] = edits
    return found


def missing(found: dict[str, set[str]]) -> list[str]:
    gaps = []
    for label, edits in sorted(found.items()):
        for perm in sorted(edits):
            if perm in ADMIN_OPERATIONS.get(label, {}):
                continue
            if (label, perm) in ADMIN_ONLY or (label, "*") in ADMIN_ONLY:
                continue
            gaps.append(f"{label}: {perm}")
    return gaps


def test_every_admin_edit_has_an_api_operation_or_a_reason(desk):
    gaps = missing(editable(admin.site, desk.admin))
    assert not gaps, (
        "These admin edits have no API operation; add one (same action, same check) and map "
        f"it in ADMIN_OPERATIONS, or say why in ADMIN_ONLY: {gaps}"
    )


def test_mapped_operations_exist_and_no_entry_is_stale(desk):
    ids = operation_ids()
    unknown = {
        f"{label}: {perm}": op
        for label, ops in ADMIN_OPERATIONS.items()
        for perm, op in ops.items()
        if op not in ids
    }
    assert not unknown, f"mapped to operations the API does not have: {unknown}"
    found = editable(admin.site, desk.admin)
    stale = [
        f"{label}: {perm}"
        for label, ops in ADMIN_OPERATIONS.items()
        for perm in ops
        if perm not in found.get(label, set())
    ]
    stale += [
        f"{label}: {perm}"
        for label, perm in ADMIN_ONLY
        if label not in found or (perm != "*" and perm not in found[label])
    ]
    assert not stale, f"not (or no longer) editable in the admin: {stale}"


def test_an_admin_model_without_an_operation_is_reported(desk, monkeypatch):
    """Honest: drop the tier rules' mapping and the check reports each of its edits."""
    site = AdminSite(name="probe")
    site.register(TierRule, TierRuleAdmin)
    assert missing(editable(site, desk.admin)) == []
    monkeypatch.delitem(ADMIN_OPERATIONS, "sla.TierRule")
    assert missing(editable(site, desk.admin)) == [
        "sla.TierRule: add",
        "sla.TierRule: change",
        "sla.TierRule: delete",
    ]
