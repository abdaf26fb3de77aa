"""The case page's side panels that load after the page (htmx ``hx-get`` on ``load``).

The case page itself reads only what an agent needs at once: the header, the pinned
request, the newest timeline entries, the reply and note boxes, status, deadlines, tags
and the customer's name and tier (at most 10 queries, whatever the length of the case).
Each panel below is one small GET endpoint, ``/cases/<pk>/panels/<slug>``, that checks
access to the case like the page does and renders the panel's own template, so its
queries are paid only by the browser that shows it. See docs/case-page.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from caredesk.accounts.guards import current_user
from caredesk.accounts.selectors import assignable_staff
from caredesk.customfields.models import Target
from caredesk.customfields.views import values_context
from caredesk.tickets.models import Ticket
from caredesk.workspace import selectors
from caredesk.workspace.forms import AssignForm
from caredesk.workspace.links_panel import panel_context

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _nothing(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    return {}


def owner_context(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """The reassignment form (every team and every active staff member)."""
    return {
        "assign_form": AssignForm(
            initial={"team": ticket.team_id, "assignee": ticket.assignee_id},
            teams=selectors.all_teams(),
            staff=assignable_staff(),
        )
    }


def _customer(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """The customer's addresses and numbers, and their other cases this user may see."""
    return {
        "identities": selectors.customer_identities(ticket),
        "other_cases": selectors.other_cases(current_user(request), ticket),
    }


def _links(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """Linked cases, and the merge and link forms."""
    return dict(panel_context(ticket, {}))


def _fields(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """The case's custom fields this agent's teams see, and their edit form."""
    return values_context(request, Target.CASE, ticket.pk)


@dataclass(frozen=True)
class Panel:
    title: StrOrPromise  # what the placeholder says while the panel loads
    template: str
    context: Callable[[HttpRequest, Ticket], dict[str, Any]] = _nothing


PANELS: dict[str, Panel] = {
    "promises": Panel(_("Promises"), "workspace/panels/promises.html"),
    "resolution": Panel(_("Resolution"), "workspace/panels/resolution.html"),
    "calls": Panel(_("Calls"), "workspace/panels/calls.html"),
    "escalations": Panel(_("Escalations and approvals"), "workspace/panels/escalations.html"),
    "feedback": Panel(_("Feedback"), "workspace/panels/feedback.html"),
    "offers": Panel(_("Offers"), "workspace/panels/offers.html"),
    "owner": Panel(_("Reassign"), "workspace/panels/owner.html", owner_context),
    "customer": Panel(
        _("Contact details and other cases"), "workspace/panels/customer.html", _customer
    ),
    "policies": Panel(_("Policies and records"), "workspace/panels/policies.html"),
    "links": Panel(_("Linked cases"), "workspace/_links_panel.html", _links),
    "fields": Panel(_("Fields"), "workspace/panels/fields.html", _fields),
}
