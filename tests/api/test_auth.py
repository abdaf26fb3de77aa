"""Only a valid bearer token gets in; every refusal uses the API's error format."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from caredesk.accounts.actions import do_create_api_token, do_revoke_api_token
from caredesk.accounts.models import ApiToken
from tests.api.conftest import ApiClient, assert_error, open_case


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token cd_abcdef123456_secret",
        "Bearer cd_",
        "Bearer cd_short_secret",
        "Bearer xx_abcdef123456_secret",
        "Bearer cd_abcdef123456_wrongsecret",
        "Bearer " + "A" * 5000,
        "Bearer cd_abcdef123456_sécret",
        "Bearer \x00\x00",
    ],
)
def test_missing_or_malformed_tokens_get_401(desk, header):
    headers = {} if header is None else {"Authorization": header}
    response = Client().get("/api/v1/cases", headers=headers)
    error = assert_error(response, 401, "unauthorized")
    assert "Bearer" in error["message"] or "token" in error["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_secret_for_a_real_prefix_is_refused(desk, now):
    issued = do_create_api_token(user=desk.agent, name="ci", now=now)
    prefix = issued.token.prefix
    response = ApiClient(f"cd_{prefix}_not-the-secret").get("/api/v1/cases")
    assert_error(response, 401, "unauthorized")


def test_revoked_token_is_refused(desk, now):
    issued = do_create_api_token(user=desk.agent, name="ci", now=now)
    client = ApiClient(issued.plaintext)
    assert client.get("/api/v1/cases").status_code == 200
    do_revoke_api_token(actor=desk.agent, token_id=issued.token.pk, now=now)
    assert_error(client.get("/api/v1/cases"), 401, "unauthorized")


def test_token_of_a_deactivated_user_is_refused(desk, now):
    issued = do_create_api_token(user=desk.agent, name="ci", now=now)
    desk.agent.is_active = False
    desk.agent.save()
    assert_error(ApiClient(issued.plaintext).get("/api/v1/cases"), 401)


def test_customer_kind_token_on_a_staff_account_is_refused(desk, now):
    issued = do_create_api_token(user=desk.alice.user, name="mine", now=now)
    assert issued.token.kind == ApiToken.Kind.CUSTOMER
    # The account later became staff: the customer-scoped token must not gain staff powers.
    desk.alice.user.role = "agent"
    desk.alice.user.save()
    assert_error(ApiClient(issued.plaintext).get("/api/v1/cases"), 401)


def test_writes_without_token_are_401_not_csrf_pages(desk):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/cases", '{"subject": "x", "body": "y"}', content_type="application/json"
    )
    assert_error(response, 401, "unauthorized")


def test_session_cookie_is_not_accepted(desk, now):
    open_case(desk, now)
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.manager)
    assert client.get("/").status_code in (200, 302)  # the session works on the site
    assert_error(client.get("/api/v1/cases"), 401, "unauthorized")
    response = client.post(
        "/api/v1/cases",
        '{"subject": "x", "body": "y", "customer_id": 1}',
        content_type="application/json",
    )
    assert_error(response, 401, "unauthorized")


def test_bearer_token_works_without_csrf_even_with_a_session(desk, api, now):
    client = api.agent
    client.client = Client(enforce_csrf_checks=True)
    client.client.force_login(desk.agent)
    response = client.post(
        "/api/v1/cases", {"subject": "From a script", "body": "Hello", "customer_id": desk.bob.pk}
    )
    assert response.status_code == 201, response.content


def test_no_cors_headers(desk, api):
    response = api.agent.get("/api/v1/cases", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert not any(h.lower().startswith("access-control-") for h in response.headers)
    preflight = Client().options(
        "/api/v1/cases",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert not any(h.lower().startswith("access-control-") for h in preflight.headers)
    assert preflight.status_code in (401, 405)


def test_last_used_is_recorded(desk, now):
    issued = do_create_api_token(user=desk.agent, name="ci", now=now - timedelta(days=1))
    ApiClient(issued.plaintext).get("/api/v1/cases")
    issued.token.refresh_from_db()
    assert issued.token.last_used_at is not None


def test_rate_limit_per_token_answers_429_in_the_error_format(desk, api, settings):
    settings.CAREDESK_API_RATE = "3/m"
    for _ in range(3):
        assert api.agent.get("/api/v1/cases").status_code == 200
    error = assert_error(api.agent.get("/api/v1/cases"), 429, "rate_limited")
    assert error["details"]["retry_after"] >= 1
    # Another token has its own budget.
    assert api.lead.get("/api/v1/cases").status_code == 200


def test_retry_after_header_on_429(desk, api, settings):
    settings.CAREDESK_API_RATE = "1/m"
    api.agent.get("/api/v1/cases")
    response = api.agent.get("/api/v1/cases")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_a_flood_of_bad_tokens_is_rate_limited(desk, settings):
    settings.CAREDESK_API_FAILED_AUTH_RATE = "5/m"
    statuses = [
        ApiClient("cd_abcdef123456_guess").get("/api/v1/cases").status_code for _ in range(8)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[-1] == 429
