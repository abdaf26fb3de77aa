"""The demo desk has everyday macros, and its generated cases used one."""

from __future__ import annotations

from caredesk.demo.macros import MACROS, RESOLVED
from caredesk.macros.models import Macro, MacroUse, Scope
from caredesk.tickets.models import AuditEvent, Message, MessageKind

from .conftest import run_demo


def test_the_demo_macros_exist_in_every_scope(loaded):
    assert Macro.objects.count() == len(MACROS)
    assert set(Macro.objects.values_list("scope", flat=True)) == set(Scope.values)
    assert Macro.objects.filter(scope=Scope.TEAM, team__slug="deliveries").count() == 2


def test_generated_cases_close_with_the_resolving_macro(db):
    assert run_demo(cases=60, seed=3).code == 0
    macro = Macro.objects.get(title=RESOLVED)
    uses = MacroUse.objects.filter(macro=macro)
    assert macro.use_count == uses.count() > 0
    use = uses.first()
    assert AuditEvent.objects.filter(ticket=use.ticket, verb="macro_applied").exists()
    sent = Message.objects.filter(ticket=use.ticket, kind=MessageKind.REPLY, body=use.text)
    assert sent.exists() and "{{" not in use.text
    assert use.text.startswith("Hi ")


def test_loading_twice_keeps_one_set_of_macros(loaded):
    assert run_demo(if_empty=False, seed=2).code == 0
    assert Macro.objects.count() == len(MACROS)
