from __future__ import annotations

from caredesk.tickets import actions
from caredesk.tickets.models import Channel


def open_case(desk, now, customer=None, **kw):
    params = dict(
        customer=customer or desk.alice,
        subject="Parcel late",
        body="Where is my parcel?",
        channel=Channel.PORTAL,
        now=now,
        team=desk.billing,
    )
    params.update(kw)
    return actions.do_open_ticket(**params)
