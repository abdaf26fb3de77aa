"""The merge, split and links panel of the case page: its forms and rows (one query)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from caredesk.tickets.links import links_of
from caredesk.tickets.models import CaseLink, LinkKind, Ticket

LINK_KIND_CHOICES = [
    (LinkKind.RELATED.value, "is related to"),
    (LinkKind.DUPLICATE.value, "is a duplicate of"),
    (LinkKind.PARENT.value, "is the problem behind (parent of)"),
]


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Merge into case"), max_length=40)
    confirm_other_customer = forms.BooleanField(required=False)
    note = forms.CharField(required=False, max_length=2000)


class SplitForm(forms.Form):
    message = forms.IntegerField(min_value=1, max_value=2**53)
    subject = forms.CharField(required=False, max_length=255)


class LinkForm(forms.Form):
    other = forms.CharField(label=_("Case"), max_length=40)
    kind = forms.ChoiceField(choices=LINK_KIND_CHOICES)


class ResolveChildrenForm(forms.Form):
    body = forms.CharField(max_length=200_000)


@dataclass(frozen=True)
class LinkRow:
    link: CaseLink
    other: Ticket
    label: str  # what the other case is to this one
    is_child: bool  # the other case is an incident of this one


def link_rows(ticket: Ticket) -> list[LinkRow]:
    rows = []
    for link in links_of(ticket):
        outgoing = link.source_id == ticket.pk
        other = link.target if outgoing else link.source
        if link.kind == LinkKind.RELATED:
            label = gettext("Related")
        elif link.kind == LinkKind.DUPLICATE:
            label = gettext("This duplicates") if outgoing else gettext("Duplicate of this")
        else:
            label = gettext("Incident") if outgoing else gettext("Problem behind this")
        rows.append(LinkRow(link, other, label, link.kind == LinkKind.PARENT and outgoing))
    return rows


def panel_context(ticket: Ticket, given: dict[str, object]) -> dict[str, object]:
    rows = link_rows(ticket)
    return {
        "link_rows": rows,
        "open_children": [r.other for r in rows if r.is_child and r.other.is_open],
        "merge_form": given.get("merge_form") or MergeForm(),
        "merge_confirm": bool(given.get("merge_confirm")),
        "link_form": given.get("link_form") or LinkForm(),
        "merged_into": ticket.merged_into if ticket.merged_into_id else None,
    }
