"""The customer's language over the API (docs/languages.md): staff set anyone's with
PATCH /customers/{id}, a customer token sets its own with PATCH /customers/me; both are
validated, audited and shown by GET."""

from __future__ import annotations

from caredesk.core.models import Event
from caredesk.customers.models import Customer

from .conftest import assert_error


def language_events():
    return Event.objects.filter(kind="customer.changed", data__field="language")


def test_staff_set_a_customers_language(api, desk):
    done = api.agent.patch(f"/api/v1/customers/{desk.bob.pk}", {"language": "fr"})
    assert done.status_code == 200, done.content
    assert done.json()["language"] == "fr"
    assert api.agent.get(f"/api/v1/customers/{desk.bob.pk}").json()["language"] == "fr"
    assert language_events().get().data["note"] == "api"


def test_a_customer_sets_their_own_language(api, desk):
    done = api.alice.patch("/api/v1/customers/me", {"language": "es"})
    assert done.status_code == 200, done.content
    assert done.json()["language"] == "es"
    assert Customer.objects.get(pk=desk.alice.pk).language == "es"
    assert_error(api.agent.patch("/api/v1/customers/me", {"language": "es"}), 403, "customer_only")
    # A customer token cannot reach anyone else's record.
    assert api.alice.patch(f"/api/v1/customers/{desk.bob.pk}", {"language": "de"}).status_code in (
        403,
        404,
    )
    assert Customer.objects.get(pk=desk.bob.pk).language == ""


def test_unknown_hostile_and_oversized_languages_are_refused(api, desk):
    for value in ["xx", "<script>alert(1)</script>", "de" * 5000, 7, None]:
        refused = api.alice.patch("/api/v1/customers/me", {"language": value})
        assert refused.status_code == 422, (value, refused.content)
        assert "<script>" not in refused.content.decode()
        refused = api.agent.patch(f"/api/v1/customers/{desk.bob.pk}", {"language": value})
        if value is None:  # null leaves the language as it is
            assert refused.status_code == 200
        else:
            assert refused.status_code == 422, (value, refused.content)
    assert not language_events().exists()
    assert Customer.objects.get(pk=desk.alice.pk).language == ""
