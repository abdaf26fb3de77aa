"""The staff pages and the API: agents view, leads and above change; the preview counts
without writing; the CSV's malformed rows are shown by number; the unsubscribe link."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from caredesk.core.models import OutboundEmail
from caredesk.incidents import actions, audience, links
from caredesk.incidents.models import Incident, OptOut
from tests.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db

FORM = {"title": "Login broken", "public_text": "Sign-in fails for some accounts."}


def test_agents_view_but_cannot_declare(desk, client, now):
    client.force_login(desk.agent)
    page = client.get("/incidents/")
    assert page.status_code == 200 and b"No incidents yet" in page.content
    assert b"Declare an incident" not in page.content
    assert client.get("/incidents/new").status_code == 404
    assert client.post("/incidents/new", {**FORM, "tiers": ["vip"]}).status_code == 404
    assert not Incident.objects.exists()
    incident = actions.do_declare_incident(
        actor=desk.lead,
        title="Login broken",
        public_text="x",
        rule=audience.make_rule(tiers=["vip"]),
        now=now,
    ).incident
    page = client.get(f"/incidents/{incident.pk}/")
    assert page.status_code == 200 and b"Post an update" not in page.content
    client.post(f"/incidents/{incident.pk}/update", {"body": "sneaky"})
    assert incident.updates.count() == 1


def test_lead_previews_then_declares(desk, client):
    client.force_login(desk.lead)
    preview = client.post("/incidents/new", {**FORM, "tiers": ["vip", "standard"], "preview": "1"})
    assert preview.status_code == 200
    assert b"2 customers" in preview.content and not Incident.objects.exists()
    empty = client.post("/incidents/new", {**FORM, "tags": "nothing-has-this"})
    assert empty.status_code == 400 and b"Nobody is affected" in empty.content
    done = client.post("/incidents/new", {**FORM, "tiers": ["vip"]})
    incident = Incident.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/incidents/{incident.pk}/"
    page = client.get(done["Location"])
    assert b"Login broken" in page.content and b"Post an update" in page.content
    assert b"No case linked yet" in page.content


def test_declare_form_shows_malformed_csv_rows_and_imports_the_rest_when_confirmed(desk, client):
    client.force_login(desk.lead)
    csv_file = b"email\nalice@acme.test\nnope\n"
    refused = client.post(
        "/incidents/new", {**FORM, "csv_file": SimpleUploadedFile("a.csv", csv_file)}
    )
    assert refused.status_code == 400
    assert b"Row 3: &#x27;nope&#x27; is not a mail address" in refused.content
    assert not Incident.objects.exists()
    done = client.post(
        "/incidents/new",
        {**FORM, "csv_file": SimpleUploadedFile("a.csv", csv_file), "confirm_partial": "on"},
    )
    assert done.status_code == 302
    assert Incident.objects.get().audience_count == 1


def test_unsubscribe_link_asks_then_unsubscribes(desk, client, now):
    actions.do_declare_incident(
        actor=desk.lead, title="T", public_text="x", rule=audience.make_rule(tiers=["vip"]), now=now
    )
    incident = Incident.objects.get()
    actions.do_post_update(incident, actor=desk.lead, body="Minor news", essential=False, now=now)
    mail = OutboundEmail.objects.get(text__contains="Minor news")
    path = re.search(r"(/portal/incidents/unsubscribe/[^/\s]+/)", mail.text).group(1)
    page = client.get(path)  # a mail scanner's GET changes nothing
    assert page.status_code == 200 and b"Only essential updates" in page.content
    assert not OptOut.objects.exists()
    assert client.post(path).status_code == 200
    assert OptOut.objects.filter(customer=desk.alice).exists()
    forged = client.get("/portal/incidents/unsubscribe/" + links.make_token(1)[:-3] + "abc/")
    assert forged.status_code == 400 and b"not valid" in forged.content


def test_api_declare_update_resolve_close(desk, now):
    lead = ApiClient(token_for(desk.lead, now))
    agent = ApiClient(token_for(desk.agent, now))
    body = {"title": "Slow", "public_text": "Pages are slow.", "audience": {"tiers": ["vip"]}}
    assert agent.post("/api/v1/incidents", body).status_code == 403
    preview = lead.post("/api/v1/incidents/preview", {"tiers": ["vip"]})
    assert preview.json()["customers"] == 1
    empty = lead.post("/api/v1/incidents", {**body, "audience": {"tags": ["none"]}})
    assert empty.status_code == 422 and empty.json()["error"]["code"] == "empty_audience"
    csv = lead.post(
        "/api/v1/incidents", {**body, "audience": {"csv": "email\nalice@acme.test\nbad\n"}}
    )
    assert csv.status_code == 422 and csv.json()["error"]["details"][0]["row"] == 3
    hostile = lead.post("/api/v1/incidents", {**body, "audience": {"tiers": ["vip"], "x": 1}})
    assert hostile.status_code == 422
    made = lead.post("/api/v1/incidents", body, headers={"Idempotency-Key": "k1"})
    again = lead.post("/api/v1/incidents", body, headers={"Idempotency-Key": "k1"})
    assert made.status_code == 201 and again.json()["id"] == made.json()["id"]
    assert Incident.objects.count() == 1
    pk = made.json()["id"]
    assert agent.get(f"/api/v1/incidents/{pk}").json()["audience_count"] == 1
    assert agent.get(f"/api/v1/incidents/{pk}/audience").json()["customer_ids"] == [desk.alice.pk]
    assert agent.get("/api/v1/incidents").json()["items"][0]["id"] == pk
    update = lead.post(f"/api/v1/incidents/{pk}/updates", {"body": "Better", "essential": True})
    assert update.status_code == 201 and update.json()["mailed"] == 0  # counted by the fan-out
    assert lead.post(f"/api/v1/incidents/{pk}/close-cases").status_code == 409
    resolved = lead.post(f"/api/v1/incidents/{pk}/resolve", {"body": "Fast again."})
    assert resolved.json()["status"] == "resolved"
    assert lead.post(f"/api/v1/incidents/{pk}/resolve", {"body": "again"}).status_code == 409
    assert lead.post(f"/api/v1/incidents/{pk}/close-cases").json() == {"closed_case_ids": []}
    assert agent.get("/api/v1/incidents/999999").status_code == 404
