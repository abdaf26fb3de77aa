"""The demo desk shows the newer features: custom fields filled in on the cases that name
an order or a product, a help centre with deflection numbers, automations with runs on
case timelines, Cc'd replies, a forwarded case and time spent for /reports/time/."""

from __future__ import annotations

import pytest

from caredesk.accounts.models import User
from caredesk.automations.models import Automation, Run, Timer, Trigger
from caredesk.core.errors import DomainError
from caredesk.customfields.models import FieldDefinition, FieldValue, Target
from caredesk.demo.automations import REMINDER, VIP_HIGH
from caredesk.demo.fields import ORDER_FIELD, PLAN_FIELD, PRODUCT_FIELD
from caredesk.kb.models import Article, ArticleStatus, Deflection, Visibility
from caredesk.tickets import actions
from caredesk.tickets.models import AuditEvent, Priority, Status, Ticket, TimeEntry
from tests.conftest import NOW

pytestmark = pytest.mark.django_db


def test_fields_are_filled_in_where_the_case_names_them(loaded):
    order = FieldDefinition.objects.get(key=ORDER_FIELD, target=Target.CASE)
    orders = FieldValue.objects.filter(field=order)
    assert orders.count() >= 5
    for value in orders.select_related():
        ticket = Ticket.objects.get(pk=value.object_id)
        first = ticket.messages.order_by("created_at").first()
        assert value.value_text in f"{ticket.subject} {first.body if first else ''}"
    assert FieldValue.objects.filter(field__key=PRODUCT_FIELD).count() >= 5
    assert FieldValue.objects.filter(field__key=PLAN_FIELD).count() == 5
    # Product is required on resolving a Deliveries case: an open one without it is refused.
    product = FieldDefinition.objects.get(key=PRODUCT_FIELD)
    assert product.required_on == [Status.RESOLVED]
    assert [t.slug for t in product.teams.all()] == ["deliveries"]


def test_the_help_centre_has_articles_and_deflection_numbers(loaded):
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    assert published.filter(visibility=Visibility.PUBLIC).count() >= 7
    assert published.filter(visibility=Visibility.INTERNAL).count() == 2
    assert published.filter(policy__slug="returns").exists()
    visits = Deflection.objects.all()
    assert visits.count() >= 10
    assert visits.filter(opened__isnull=False).exists()
    assert visits.filter(case_opened_at__isnull=True).exists()  # deflected
    assert visits.filter(ticket__isnull=False).exists()


def test_automations_ran_on_case_timelines(loaded):
    assert Automation.objects.filter(trigger=Trigger.TIME, active=True).count() == 2
    vip_runs = Run.objects.filter(automation__name=VIP_HIGH)
    assert vip_runs.exists()
    for run in vip_runs.select_related("ticket"):
        assert run.ticket.priority in (Priority.HIGH, Priority.URGENT)
        assert AuditEvent.objects.filter(ticket=run.ticket, verb="automation_ran").exists()
    # The time automations' clocks run for the live desk, from the load on.
    reminder = Automation.objects.get(name=REMINDER)
    assert Timer.objects.filter(automation=reminder, due_at__gt=NOW).exists()


def test_replies_carry_cc_forwards_and_time_spent(loaded):
    assert TimeEntry.objects.count() >= 10
    vip = Ticket.objects.get(subject__startswith="40 bedside tables")
    cc = [str(e.new_value) for e in AuditEvent.objects.filter(ticket=vip, verb="replied")]
    assert any("gm.harbourstreet@oakridge-hotels.example" in value for value in cc)


def test_resolving_an_open_delivery_case_asks_for_the_product(loaded):
    lena = User.objects.get(email="lena@caredesk.localhost")
    case = actions.do_open_ticket(
        customer=Ticket.objects.filter(team__slug="deliveries").first().customer,  # type: ignore[union-attr]
        subject="Where is my rug?",
        body="It was due yesterday.",
        channel="email",
        now=NOW,
        actor=None,
        team=lena.teams.get(slug="deliveries"),
    )
    with pytest.raises(DomainError, match="Product"):
        actions.do_change_status(case, actor=lena, status=Status.RESOLVED, now=NOW)
