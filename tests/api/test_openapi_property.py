"""A property-based check of the API against its own OpenAPI document (schemathesis on
hypothesis), in process through the WSGI app: for every operation, generated requests
(valid and edge-case bodies, nulls and empty strings the schema allows, random ids)
never get a server error, and every status code that comes back is documented.

Bounded: a few examples per operation, derandomized, so the suite stays fast and repeatable.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from caredesk.channels.api.api import api
from tests.api.conftest import token_for

# Per token: the generation modes and examples per operation and mode. An admin token
# reaches every operation and gets valid and invalid requests; agent, lead and customer
# tokens get valid ones (their refusals are the permission checks in front of the same
# code paths), one example each, so the whole check stays within a bounded budget.
MODES = {
    "admin": ((GenerationMode.POSITIVE, GenerationMode.NEGATIVE), 2),
    "lead": ((GenerationMode.POSITIVE,), 1),
    "agent": ((GenerationMode.POSITIVE,), 1),
    "customer": ((GenerationMode.POSITIVE,), 1),
}


@pytest.fixture
def schema(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.RATELIMIT_ENABLE = False
    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    loaded.app = WSGIHandler()
    # As Django's test client does: a finished request must not close the connection
    # that holds the test's transaction (PostgreSQL would lose it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield loaded
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _run(schema, token: str, modes, examples: int, statuses: dict[int, int]) -> list[str]:
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation, mode in [(op, mode) for op in operations for mode in modes]:
        documented = {str(code) for code in operation.definition.raw["responses"]}

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(mode))
        def check(case) -> None:
            # The generated Authorization header (a random string) is replaced by a token.
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            response = case.call()
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            status = response.status_code
            where = f"{case.method} {case.formatted_path} → {status}"
            if status >= 500:
                problems.append(f"server error: {where}: {response.text[:300]}")
            elif str(status) not in documented:
                problems.append(f"undocumented status: {where}: {response.text[:300]}")

        check()
    return problems


@pytest.mark.parametrize("who", sorted(MODES))
def test_generated_requests_get_no_server_error_and_only_documented_codes(desk, now, schema, who):
    user = {
        "admin": desk.admin,
        "lead": desk.lead,
        "agent": desk.agent,
        "customer": desk.alice.user,
    }[who]
    statuses: dict[int, int] = {}
    modes, examples = MODES[who]
    problems = _run(schema, token_for(user, now), modes, examples, statuses)
    assert not problems, "\n".join(problems[:20])
    # The token was used: most requests got past authentication.
    assert statuses.get(401, 0) < sum(statuses.values()) / 10, statuses


def test_the_check_catches_an_undocumented_status(desk, now, schema, monkeypatch):
    """Honest: an operation answering a code it does not document is reported."""
    only = schema["/api/v1/me"]["GET"]
    documented = {str(code) for code in only.definition.raw["responses"]}
    assert "418" not in documented

    from caredesk.channels.api.routers import me

    def teapot(user):
        from caredesk.channels.api.errors import ApiError

        raise ApiError(418, "I'm a teapot.", code="teapot")

    monkeypatch.setattr(me, "staff_out", teapot)
    seen: list[int] = []
    token = token_for(desk.agent, now)

    @settings(max_examples=1, deadline=None, database=None)
    @given(case=only.as_strategy(), _=st.none())
    def check(case, _) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        seen.append(case.call().status_code)

    check()
    assert seen and all(str(code) not in documented for code in seen)
