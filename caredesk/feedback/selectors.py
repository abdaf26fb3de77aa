"""The agent record page and the review lists. Only upheld complaints count as negative."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext, ngettext

from caredesk.accounts.models import Membership, Role, Team, User
from caredesk.feedback import csat
from caredesk.feedback.models import Feedback, FeedbackKind, ReviewOutcome, Survey, SurveyState
from caredesk.promises.models import Promise, State
from caredesk.tickets.models import DONE_STATUSES, MessageKind, Ticket

# One upheld complaint never turns a record negative; two or more do only when they are
# a noticeable share of the agent's resolved cases.
ATTENTION_MIN_UPHELD = 2
ATTENTION_RATE = 0.05


@dataclass
class AgentRecord:
    agent: User
    kudos: int
    recent_kudos: list[Feedback]
    complaints: dict[str, int]
    recent_complaints: list[Feedback]
    cases_resolved: int
    first_contact: int
    protected_cases: int
    promises_kept: int | None = None
    # Satisfaction ratings of the cases credited to the agent (ended abusive ones left out).
    csat: dict[str, int] = field(default_factory=dict)
    promises_settled: int | None = None
    headline: str = ""
    tone: str = "good"
    outcome_labels: dict[str, str] = field(
        default_factory=lambda: {value: str(label) for value, label in ReviewOutcome.choices}
    )

    @property
    def csat_ratings(self) -> int:
        return sum(self.csat.values())

    @property
    def csat_percent(self) -> int | None:
        """The share of good ratings, as the reports count it (docs/csat.md)."""
        if not self.csat_ratings:
            return None
        return round(100 * self.csat.get("good", 0) / self.csat_ratings)

    @property
    def upheld(self) -> int:
        return self.complaints.get(ReviewOutcome.UPHELD, 0)

    @property
    def fcr_percent(self) -> int | None:
        if not self.cases_resolved:
            return None
        return round(100 * self.first_contact / self.cases_resolved)

    @property
    def complaint_rows(self) -> list[tuple[str, str, int, bool]]:
        return [
            (value, str(label), self.complaints.get(value, 0), value == ReviewOutcome.UPHELD)
            for value, label in ReviewOutcome.choices
        ]


def open_survey(ticket: Ticket, now: datetime) -> Survey | None:
    """The case's survey while the customer can still rate it (for the portal)."""
    row = Survey.objects.filter(ticket_id=ticket.pk, state=SurveyState.SENT).first()
    if row is None or not csat.may_change(
        row.first_rated_at, now, int(settings.CAREDESK_CSAT_CHANGE_DAYS)
    ):
        return None
    return row


def may_see_record(viewer: User, agent: User) -> bool:
    if not viewer.is_agent_staff:
        return False
    if viewer.pk == agent.pk or viewer.sees_all_cases:
        return True
    if viewer.role != Role.LEAD:
        return False
    agent_teams = Membership.objects.filter(user=agent).values("team_id")
    return Team.objects.filter(lead=viewer, pk__in=agent_teams).exists()


def _promises(agent: User) -> tuple[int | None, int | None]:
    settled = Promise.objects.filter(
        owner=agent, state__in=[State.KEPT, State.KEPT_LATE, State.MISSED]
    )
    counts = settled.aggregate(total=Count("pk"), kept=Count("pk", filter=Q(state=State.KEPT)))
    return counts["kept"], counts["total"]


def headline(kudos: int, upheld: int, resolved: int) -> tuple[str, str]:
    if upheld == 0:
        return gettext("No upheld complaints."), "good"
    if upheld < ATTENTION_MIN_UPHELD or upheld <= ATTENTION_RATE * resolved:
        return (
            ngettext(
                "%(upheld)d upheld complaint against %(cases)s and %(kudos)d kudos: a good record.",
                "%(upheld)d upheld complaints against %(cases)s and %(kudos)d kudos: "
                "a good record.",
                upheld,
            )
            % {
                "upheld": upheld,
                "kudos": kudos,
                "cases": ngettext("%(count)d resolved case", "%(count)d resolved cases", resolved)
                % {"count": resolved},
            },
            "good",
        )
    return (
        gettext("%(upheld)d upheld complaints against %(resolved)d resolved cases: worth a talk.")
        % {"upheld": upheld, "resolved": resolved},
        "attention",
    )


def agent_record(agent: User) -> AgentRecord:
    feedback = Feedback.objects.filter(agent=agent)
    kudos = feedback.filter(kind=FeedbackKind.KUDOS).count()
    by_outcome = dict(
        feedback.filter(kind=FeedbackKind.COMPLAINT)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .values_list("outcome", "n")
    )
    resolved = Ticket.objects.filter(assignee=agent, status__in=DONE_STATUSES)
    protected = resolved.filter(protection__isnull=False).count()
    counted = resolved.filter(protection__isnull=True).annotate(
        replies=Count("messages", filter=Q(messages__kind=MessageKind.REPLY))
    )
    totals = counted.aggregate(
        resolved=Count("pk"), fcr=Count("pk", filter=Q(reopen_count=0, replies__lte=1))
    )
    kept, settled = _promises(agent)
    csat = dict(
        Survey.objects.filter(agent=agent, ticket__protection__isnull=True)
        .exclude(rating="")
        .values_list("rating")
        .annotate(n=Count("pk"))
        .values_list("rating", "n")
    )
    text, tone = headline(kudos, by_outcome.get(ReviewOutcome.UPHELD, 0), totals["resolved"])
    return AgentRecord(
        agent=agent,
        kudos=kudos,
        recent_kudos=list(
            feedback.filter(kind=FeedbackKind.KUDOS)
            .select_related("ticket", "author_customer", "author_user")
            .order_by("-created_at")[:5]
        ),
        complaints=by_outcome,
        recent_complaints=list(
            feedback.filter(kind=FeedbackKind.COMPLAINT)
            .select_related("ticket", "reviewed_by", "author_customer", "author_user")
            .order_by("-created_at")[:10]
        ),
        cases_resolved=totals["resolved"],
        first_contact=totals["fcr"],
        protected_cases=protected,
        promises_kept=kept,
        promises_settled=settled,
        csat=csat,
        headline=text,
        tone=tone,
    )


def complaints_to_review(user: User) -> list[Feedback]:
    qs = Feedback.objects.filter(kind=FeedbackKind.COMPLAINT, outcome=ReviewOutcome.PENDING)
    if not user.sees_all_cases:
        qs = qs.filter(reviewer=user)
    return list(
        qs.exclude(agent=user)
        .select_related("ticket", "agent", "author_customer", "author_user")
        .order_by("created_at", "id")[:100]
    )
