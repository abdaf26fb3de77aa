"""Through real email intake: an automation that mails customers answers a person, and
never an auto-reply (Auto-Submitted) on the case, nor a case an out-of-office opened."""

from __future__ import annotations

from caredesk.core.models import OutboundEmail
from caredesk.tickets.models import Message, MessageKind, Ticket
from tests.email.conftest import NOW, ingest, mail_settings, make_mail  # noqa: F401

from .conftest import automate


def automatic_mails(case):
    return Message.objects.filter(ticket=case, kind=MessageKind.REPLY).count()


def test_machine_mail_through_intake_is_never_answered(desk, mail_settings):  # noqa: F811
    automate(
        desk,
        NOW,
        name="We are on it",
        events=["case.created", "message.added"],
        actions=[{"kind": "mail", "body": "Hi {{ customer.first_name }}, we are on it."}],
    )
    first = ingest(make_mail())
    case = Ticket.objects.get(pk=first.ticket_id)
    assert automatic_mails(case) == 1
    assert OutboundEmail.objects.filter(to="alice@acme.test", kind="reply").count() == 1

    ingest(
        make_mail(
            subject=f"Automatic reply: [{case.reference}] My parcel never arrived",
            body="I am out of the office until Monday.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert Message.objects.filter(ticket=case, kind=MessageKind.CUSTOMER).count() == 2
    assert automatic_mails(case) == 1  # the auto-reply is filed, never answered

    ingest(make_mail(subject=f"Re: [{case.reference}] thanks", body="Any news?"))
    assert automatic_mails(case) == 2  # a person writing again is answered

    away = ingest(
        make_mail(
            sender="Bob Small <bob@small.test>",
            subject="Out of office",
            body="Away",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    if away.ticket_id is not None:  # intake may open a case for it: never answered
        assert automatic_mails(Ticket.objects.get(pk=away.ticket_id)) == 0
    assert not OutboundEmail.objects.filter(to="bob@small.test").exists()
