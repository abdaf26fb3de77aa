"""``{% load macro_tags %}``: ``{% macro_applied ticket as use %}`` — after a macro was
applied without JavaScript (a plain form POST), the case page shows its text once, for
the agent to put in the reply box (the script fills an empty reply box with it)."""

from __future__ import annotations

from django import template

from caredesk.macros.models import MacroUse
from caredesk.tickets.models import Ticket

register = template.Library()


@register.simple_tag(takes_context=True)
def macro_applied(context: template.Context, ticket: Ticket) -> MacroUse | None:
    request = context.get("request")
    if request is None:
        return None
    raw = request.GET.get("macro_use", "")
    if not raw.isdigit() or len(raw) > 18:
        return None
    return (
        MacroUse.objects.select_related("macro")
        .filter(pk=int(raw), ticket_id=ticket.pk, by_id=request.user.pk)
        .first()
    )
