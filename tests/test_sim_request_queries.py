"""What the care simulation's two commonest requests cost in queries (issue 15: a month
of ~7,000 cases in ≤ 10 minutes): filing a case through the API (with its immediate
tasks: abuse scoring, the acknowledgement mail) and an agent's reply (with the reply
mail). The counts are asserted, so a change that adds queries to every case shows here."""

from __future__ import annotations

import json

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from caredesk.accounts.actions import do_create_api_token
from caredesk.demo.service_levels import ensure_service_levels
from caredesk.tickets import actions
from caredesk.tickets.models import Status, Ticket
from tests.escalations.conftest import open_case

# Measured on 2 December 2026 (the reply was 39 before its first response and status
# went into one UPDATE of the case row). Then 43 and 38; the sentiment score and case mood
# of the customer's message (issue 12, P4) added 13 to filing a case, closing solved breach
# escalations and the policies told in a reply 3 to a reply. Issue 16 wants ≤ 8 for a create.
# Incidents (issue 13, P14) added 1 to filing a case: is the customer in an open incident?
# The subject's search entry in the messages' INSERT and the response read in two took 2
# off (3 December 2026). Automations (issue 14) added 1 to each: the active automations,
# read once per change by their one reaction (nothing more when there are none). Custom
# fields (issue 14) added 1 more to each: the staff response of a new case carries its
# fields (the field definitions), and a reply that changes the status asks which fields
# that status requires (docs/adr/0028).
INTAKE_QUERIES = 57
REPLY_QUERIES = 43


def _locmem(settings):
    # The rate-limit counter in the database cache counts per wall-clock minute.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def test_filing_a_case_through_the_api(desk, now, settings):
    _locmem(settings)
    ensure_service_levels()
    token = do_create_api_token(user=desk.agent, name="intake", now=now).plaintext
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def file(i):
        body = {
            "subject": f"Order question {i}",
            "body": f"Contact {i}: my order is late.",
            "customer_id": desk.alice.pk,
            "team_id": desk.billing.pk,
        }
        with CaptureQueriesContext(connection) as ctx:
            response = api.post("/api/v1/cases", json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content
        return len(ctx.captured_queries)

    file(0)  # warm up: the token's last-used stamp
    counted = file(1)
    assert counted <= INTAKE_QUERIES
    assert file(2) == counted  # the same for every case


def test_an_agents_reply(desk, now, settings):
    _locmem(settings)
    ensure_service_levels()
    ticket = open_case(desk, now)
    with CaptureQueriesContext(connection) as ctx:
        actions.do_reply(ticket, agent=desk.agent, body="Here is what happens next.", now=now)
    assert len(ctx.captured_queries) <= REPLY_QUERIES
    row = Ticket.objects.get(pk=ticket.pk)
    assert row.first_response_at == now and row.status == Status.WAITING_CUSTOMER
    assert row.assignee_id == desk.agent.pk


# Issue 16 asks for ≤ 8 statements per create. On the database queue (the default) a
# create through the API ran 34 on 3 December 2026 (with this test's savepoint pair);
# one INSERT per queued task without a savepoint each, abuse and sentiment in one task,
# the subject's search entry in the messages' INSERT and the response read in two made
# it 23. What is left: token, customer, team; case, message, search entries, audit row,
# event; the SLA plan (organization tier, policies, tier rules, the case's clocks and
# deadlines, team routing: 6); the open-incident check; three task rows; the webhook
# endpoints after commit; the response (case, tags).
CREATE_QUERIES_DATABASE_QUEUE = 23


def test_filing_a_case_on_the_database_queue(desk, now, settings):
    """The case and its background work are written together: the queued rows are the
    SLA alarm, the enrichment of the message and the acknowledgement, one row each."""
    _locmem(settings)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ensure_service_levels()
    token = do_create_api_token(user=desk.agent, name="intake", now=now).plaintext
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def file(i):
        body = {
            "subject": f"Parcel {i}",
            "body": "It has not arrived.",
            "customer_id": desk.alice.pk,
        }
        with CaptureQueriesContext(connection) as ctx:
            response = api.post("/api/v1/cases", json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content
        return response.json(), len(ctx.captured_queries)

    file(0)  # warm up: the token's last-used stamp
    queued_before = set(DBTaskResult.objects.values_list("id", flat=True))
    body, counted = file(1)
    assert counted <= CREATE_QUERIES_DATABASE_QUEUE
    # The response shows the deadlines the SLA plan wrote in the same request.
    assert body["sla"]["first_response_due_at"] is not None
    paths = sorted(
        DBTaskResult.objects.exclude(id__in=queued_before).values_list("task_path", flat=True)
    )
    assert paths == [
        "caredesk.core.deadlines.fire_deadlines",
        "caredesk.enrichment.tasks.enrich_customer_messages",
        "caredesk.tickets.tasks.acknowledge_new_ticket",
    ]
