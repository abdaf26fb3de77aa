"""API parity: every page that accepts POST (a change a person can make in the UI) has an
API operation, or is on an explicit list of browser-only pages with the reason.

The test walks Django's URL map (not a hand-kept list), asks each view whether it accepts
POST (a view that refuses POST answers 405 before anything else), and looks up the
operation in the OpenAPI document. A new POST page without an API operation fails here.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from caredesk.channels.api.api import api

# URL name → operationId of the API operation that does the same thing.
POST_VIEW_OPERATIONS: dict[str, str] = {
    # The case page.
    "workspace:case-reply": "create_message",
    "workspace:case-note": "create_message",
    "workspace:case-forward": "forward_case",
    "workspace:case-assign": "update_case",
    "workspace:case-status": "update_case",
    "workspace:case-priority": "update_case",
    "workspace:case-tags": "update_case",
    "workspace:case-merge": "merge_case",
    "workspace:case-split": "split_message",
    "workspace:case-link": "create_link",
    "workspace:case-unlink": "delete_link",
    "workspace:case-resolve-children": "resolve_children",
    "sla:next-case": "next_case",
    "phone:log-call": "log_call",
    "escalations:escalate": "escalate",
    "escalations:goodwill": "goodwill",
    "escalations:end": "end_conversation",
    "escalations:unflag": "unflag_message",
    "promises:make": "create_promise",
    "promises:keep": "keep_promise",
    "promises:renegotiate": "renegotiate_promise",
    "promises:reassign": "reassign_promise",
    "promises:cancel": "cancel_promise",
    "feedback:manager": "leave_feedback",
    "macros:apply": "apply_macro",
    # The macros page (agents: personal macros; leads and admins: shared ones).
    "macros:create": "create_macro",
    "macros:edit": "update_macro",
    "macros:delete": "delete_macro",
    # Help articles (agents write drafts; leads, managers and admins publish and manage).
    "kb:create": "create_article",
    "kb:edit": "update_article",
    "kb:publish": "publish_article",
    "kb:archive": "archive_article",
    "kb:unpublish": "unpublish_article",
    "kb:publish-policy": "publish_policy_article",
    "kb:categories": "create_category",
    "kb:category-edit": "update_category",
    "kb:category-delete": "delete_category",
    # Automations (leads, managers and admins).
    "automations:create": "create_automation",
    "automations:edit": "update_automation",
    "automations:toggle": "update_automation",
    "automations:move": "move_automation",
    "automations:delete": "delete_automation",
    # Saved views and bulk actions.
    "savedviews:create": "create_view",
    "savedviews:edit": "update_view",
    "savedviews:delete": "delete_view",
    "savedviews:bulk": "bulk_change",
    # Custom fields: their values (case panel, customer and organization pages) and the
    # admins' definitions.
    "customfields:object": "set_field_values",
    "customfields:create": "create_field_definition",
    "customfields:edit": "update_field_definition",
    "customfields:retire": "retire_field_definition",
    "records:new": "upsert_record",
    "records:edit": "upsert_record",
    "records:link": "link_record",
    "offers:make": "make_offer",
    "offers:accept": "accept_offer",
    "offers:decline": "decline_offer",
    # Leads, managers and admins.
    "escalations:answer": "answer_escalation",
    "escalations:decide": "decide",
    "escalations:tell-customer": "tell_customer",
    "escalations:delegations": "create_delegation",
    "escalations:cancel-delegation": "cancel_delegation",
    "escalations:review-attention": "review_attention",
    "feedback:complaint": "review_complaint",
    "email:quarantine_replay": "replay_quarantined",
    # The account page and notifications.
    "workspace:token-create": "create_token",
    "workspace:token-revoke": "revoke_token",
    "workspace:away": "set_away",
    "workspace:account-locale": "update_staff_me",
    "workspace:notification-preferences": "set_preferences",
    "workspace:notifications-read": "mark_all_notifications_read",
    "workspace:notification-read": "mark_notification_read",
    # The customer portal (customer tokens).
    "portal:new_case": "create_case",
    "portal:case_reply": "create_message",
    "portal:case_status": "update_case",
    "portal:language": "update_me",
    "promises:callback": "request_callback",
    "escalations:supervisor": "escalate",
    "feedback:portal": "leave_feedback",
    "feedback:rate-portal": "rate_case",
    "portal:case_answer": "answer_resolution",
    "offers:portal-accept": "answer_offer",
    "offers:portal-decline": "answer_offer",
    # Confirm a self-service request (or take the cancel page's retention offer instead).
    "portal:selfservice_request": "request_self_service",
    # Incidents (leads, managers and admins).
    "incidents:declare": "declare_incident",
    "incidents:update": "post_incident_update",
    "incidents:resolve": "resolve_incident",
    "incidents:close-cases": "close_incident_cases",
}

# Pages that exist only for a browser, with the reason. Nothing else may be missing.
BROWSER_ONLY: dict[str, str] = {
    "workspace:login": "sign-in with password (the API uses bearer tokens)",
    "workspace:login-verify": "the second sign-in step (TOTP code) of a browser session",
    "workspace:logout": "ends a browser session",
    "workspace:login-saml-acs": "a SAML identity provider posts the browser back here to sign in",
    "workspace:totp-start": "two-factor set-up shows a QR code to scan",
    "workspace:totp-confirm": "two-factor set-up",
    "workspace:totp-disable": "two-factor set-up needs the signed-in person's code",
    "workspace:totp-recovery": "recovery codes are shown once to the signed-in person who typed a current code",
    "workspace:case-presence": "'who is viewing this case' ping of an open page",
    "sla:notifications": "old address, redirects to the notification center",
    "portal:signin": "asks for a magic sign-in link by mail",
    "portal:signout": "ends a portal browser session",
    "portal:home": "the portal's sign-in form (asks for a magic link), as portal:signin",
    "portal:auth": "uses a magic sign-in link to start a browser session",
    "feedback:survey": "a survey link from a mail, signed by its token, no account",
    "feedback:rate-link": "a CSAT rating link from a mail, signed by its token, no account",
    "portal:answer_link": "an 'Is this solved?' link from a mail, signed by its token, no account",
    "portal:incident_unsubscribe": "an unsubscribe link from an incident mail, signed by its token, no account",
    "email:inbound": "the mail server's signed inbound webhook, not a person's action",
}

SKIP_PREFIXES = ("admin/", "api/")


def _patterns(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _patterns(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield prefix + str(p.pattern), name


def _sample_url(route: str) -> str:
    url = re.sub(r"<int:[^>]+>", "999999", route)
    url = re.sub(r"<(str:)?[^>]+>", "sample", url)
    return "/" + url


def post_views() -> dict[str, str]:
    """URL name → URL of every page (outside the API and Django's admin) that takes POST."""
    client = Client()
    found: dict[str, str] = {}
    for route, name in _patterns(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES):
            continue
        assert name, f"{route} has no URL name; name it so the parity map can refer to it"
        url = _sample_url(route)
        if client.post(url).status_code != 405:
            found[name] = url
    return found


def operation_ids() -> set[str]:
    doc = api.get_openapi_schema(path_prefix="/api/v1")
    return {op["operationId"] for ops in doc["paths"].values() for op in ops.values()}


_WALKED: dict[str, str] = {}


@pytest.fixture
def posts(db):
    # The URL map does not change between these tests: walk it once.
    if not _WALKED:
        _WALKED.update(post_views())
    return dict(_WALKED)


def test_the_walk_finds_the_pages_that_take_post(posts):
    # A sanity check on the walk itself: known POST pages are found, GET pages are not.
    assert {"workspace:case-reply", "sla:next-case", "escalations:answer"} <= set(posts)
    assert "workspace:inbox" not in posts and "workspace:attachment" not in posts


def test_every_post_page_has_an_api_operation_or_a_reason(posts):
    missing = sorted(set(posts) - set(POST_VIEW_OPERATIONS) - set(BROWSER_ONLY))
    assert not missing, (
        "These pages accept POST but have no API operation; add one (same action, same "
        f"checks) and map it in POST_VIEW_OPERATIONS, or say why in BROWSER_ONLY: {missing}"
    )


def test_mapped_operations_exist_in_the_openapi_document():
    ids = operation_ids()
    unknown = {view: op for view, op in POST_VIEW_OPERATIONS.items() if op not in ids}
    assert not unknown, f"mapped to operations the API does not have: {unknown}"


def test_the_lists_name_only_pages_that_take_post(posts):
    # Stale entries hide gaps: a page that no longer takes POST leaves the lists.
    stale = sorted((set(POST_VIEW_OPERATIONS) | set(BROWSER_ONLY)) - set(posts))
    assert not stale, f"not (or no longer) POST pages: {stale}"
    assert not set(POST_VIEW_OPERATIONS) & set(BROWSER_ONLY)


def test_a_new_post_page_without_an_operation_fails(db, monkeypatch):
    """The check is honest: add a POST page to the URL map and it is reported missing."""
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path
    from django.views.decorators.http import require_POST

    import config.urls

    @require_POST
    def brand_new(request):
        return HttpResponse("ok")

    patterns = [*config.urls.urlpatterns, path("brand-new/", brand_new, name="brand-new")]
    monkeypatch.setattr(config.urls, "urlpatterns", patterns)
    clear_url_caches()
    try:
        found = post_views()
    finally:
        monkeypatch.undo()
        clear_url_caches()
    missing = set(found) - set(POST_VIEW_OPERATIONS) - set(BROWSER_ONLY)
    assert missing == {"brand-new"}
