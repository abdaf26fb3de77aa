"""An automation's "call a webhook" step: the endpoint it names gets a signed call with
the case, whatever its own event filter; no other endpoint gets it."""

from __future__ import annotations

import pytest

from caredesk.automations import steps
from caredesk.automations.models import Run
from caredesk.channels.webhooks import actions
from caredesk.core.errors import DomainError
from caredesk.tickets.models import AuditEvent
from tests.automations.conftest import automate, open_case
from tests.webhooks.conftest import make_endpoint


def test_the_named_endpoint_gets_the_call_and_no_other(desk, now, receiver):
    crm, _ = make_endpoint(desk, receiver.url("/crm"), events=["promise.*"])
    everything, _ = make_endpoint(desk, receiver.url("/all"), events=["*"])
    automate(
        desk,
        now,
        name="Tell the CRM",
        conditions={"words": ["van"]},
        actions=[{"kind": "webhook", "endpoint_id": crm.pk}],
    )
    case = open_case(desk, now)

    [call] = [r for r in receiver.requests if r.path == "/crm"]
    assert call.json["kind"] == "automation.webhook"
    assert call.header("X-Caredesk-Event") == "automation.webhook"
    assert call.json["ticket"]["id"] == case.pk
    assert call.json["actor"]["label"] == "Automation: Tell the CRM"
    assert call.json["data"]["case"]["subject"] == "Delivery came outside the window"
    assert call.json["data"]["automation"] == "Tell the CRM"
    kinds_for_all = [r.json["kind"] for r in receiver.requests if r.path == "/all"]
    assert "case.created" in kinds_for_all and "automation.webhook" not in kinds_for_all
    [log] = AuditEvent.objects.filter(ticket=case, verb="automation_ran")
    assert log.new_value["done"] == ["Called webhook “" + receiver.url("/crm") + "”"]
    assert everything.pk != crm.pk


def test_a_switched_off_endpoint_is_refused_when_saving_and_skipped_when_running(
    desk, now, receiver
):
    crm, _ = make_endpoint(desk, receiver.url("/crm"), events=["case.created"])
    with pytest.raises(DomainError, match="Choose an active webhook endpoint"):
        steps.check([{"kind": "webhook", "endpoint_id": crm.pk + 999}])
    with pytest.raises(DomainError, match="The webhook is not an id"):
        steps.check([{"kind": "webhook", "endpoint_id": "1; DROP TABLE"}])
    automate(desk, now, name="Tell the CRM", actions=[{"kind": "webhook", "endpoint_id": crm.pk}])
    actions.do_disable_endpoint(crm, actor=desk.admin, reason="moving CRM", now=now)
    case = open_case(desk, now)
    assert not [r for r in receiver.requests if r.json["kind"] == "automation.webhook"]
    run = Run.objects.get(ticket=case)
    assert "deleted or switched off" in str(run.refused)


def test_the_automation_form_offers_the_active_endpoints(desk, now, receiver, client):
    crm, _ = make_endpoint(desk, receiver.url("/crm"), events=["case.created"])
    client.force_login(desk.lead)
    page = client.get("/automations/new")
    assert page.status_code == 200
    assert f'<option value="{crm.pk}">{receiver.url("/crm")}</option>' in page.content.decode()
