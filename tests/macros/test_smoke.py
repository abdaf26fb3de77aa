from caredesk.macros.actions import do_apply_macro
from caredesk.macros.models import Scope

from .conftest import make_macro


def test_smoke(desk, now, case):
    m = make_macro(
        desk.admin,
        now,
        scope=Scope.GLOBAL,
        set_status="waiting_customer",
        add_tags=["late"],
        promise_kind="update",
        promise_text="Send the new slot",
        promise_due_minutes=120,
        body="Hi {{ customer.first_name }}, update by {{ promise.due }}. {{ case.reference }} -- {{ agent.name }}",
    )
    r = do_apply_macro(desk.agent, case, m, now)
    print(r)
    assert not r.refused
