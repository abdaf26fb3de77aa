"""Play the arrivals against caredesk through its real URLs, as simulated time passes.

Each tick (``tick_minutes`` of simulated time) the driver: files the contacts that
arrived (``POST /api/v1/cases`` with the intake token), runs the product's periodic jobs
(:func:`caredesk.core.periodic.run_jobs`: deadline sweeps, step-ups, hand-overs), marks
people away or back (``POST /account/away``), and lets every free person on duty work:
leads answer escalations (``POST /escalations/<id>/answer``) and decide approvals
(``POST /escalations/approvals/<id>/decide``); then everyone else asks for their next
case (``POST /sla/next/``). The product decides what that is: the case of the agent's own
promise falling due within its reminder lead time comes first, and the agent keeps it (a
logged call ``POST /phone/cases/<id>/calls`` for callbacks, a reply for updates) or, when
drawn to, renegotiates it honestly before due (``POST /promises/<id>/renegotiate``); no
hidden look at the promise table. With an empty queue an agent asks only when a promise
notification arrived. A queue case is answered when its handle time has passed
(``POST /cases/<id>/reply``, optionally with a promise), ask for an approval
(``POST /escalations/cases/<id>/goodwill``) or end an abusive conversation
(``POST /escalations/cases/<id>/end-conversation``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core import mail
from django.test import Client

from bench.care_sim.arrivals import ABUSIVE_BODY, Arrival
from bench.care_sim.desk import Desk
from bench.care_sim.profiles import SimConfig
from bench.care_sim.simclock import SimClock, injected
from bench.care_sim.staff import Person
from caredesk.core.models import Notification
from caredesk.core.periodic import run_jobs
from caredesk.escalations.models import ActionType, ApprovalRequest, ApprovalStatus, Escalation
from caredesk.promises.models import Kind, Promise, State
from caredesk.tickets.models import Ticket

DECISION_MINUTES = 6
PROMISE_MINUTES = 5
# Outside office hours (nights, weekends) the heartbeat's jobs run every quarter hour.
QUIET_TICK = timedelta(minutes=15)


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


class SimError(RuntimeError):
    """The product refused a step the simulation expected to work."""


@dataclass
class Task:
    kind: str  # "case" | "done"
    ticket_id: int = 0
    arrival: Arrival | None = None


@dataclass
class Worker:
    person: Person
    client: Client
    user_id: int
    busy_until: datetime | None = None
    task: Task | None = None
    away: bool = False
    seen_notice: int = 0  # the last notification id seen when asking for the next case


@dataclass
class Outcome:
    """What the driver saw, for the metrics (the rest is read from the database)."""

    case_of: dict[int, int] = field(default_factory=dict)  # arrival index -> ticket id
    tier_of: dict[int, str] = field(default_factory=dict)  # ticket id -> tier
    claimed_at: dict[int, datetime] = field(default_factory=dict)  # ticket id -> claim time
    approval_due: dict[int, datetime | None] = field(default_factory=dict)  # first deadline
    renegotiated: set[int] = field(default_factory=set)
    requests: int = 0
    refused: list[str] = field(default_factory=list)
    wall_seconds: float = 0.0
    # CPU seconds of this process: on a shared machine a steadier measure than the wall.
    cpu_seconds: float = 0.0
    end: datetime | None = None


def _error_text(page: str) -> str:
    """The refusal message of a re-rendered page (its role="alert" block), briefly."""
    start = page.find('role="alert"')
    if start < 0:
        return page[:200]
    snippet = page[page.find(">", start) + 1 :]
    return " ".join(snippet[: snippet.find("</")].split())[:200]


def _reply_form(data: dict[str, Any]) -> dict[str, Any]:
    """The reply form's fields carry the prefix ``reply-``."""
    return {f"reply-{name}": value for name, value in data.items()}


def _iso(at: datetime) -> str:
    return at.isoformat()


class Driver:
    def __init__(self, config: SimConfig, desk: Desk, arrivals: list[Arrival]) -> None:
        self.config = config
        self.desk = desk
        self.arrivals = arrivals
        self.by_ticket: dict[int, Arrival] = {}
        self.out = Outcome()
        self.sim = SimClock(config.start)
        self.api = Client(HTTP_AUTHORIZATION=f"Bearer {desk.intake_token}")
        self.workers: list[Worker] = []
        for person in desk.people:
            client = Client()
            user = desk.users[person.key]
            client.force_login(user)
            self.workers.append(Worker(person, client, user.pk))
        self.tier_cursor: dict[str, int] = {}
        self._queue_has_cases = False

    # -- requests ---------------------------------------------------------------------

    def _post(self, client: Client, url: str, data: dict[str, Any], expect: int = 302) -> Any:
        self.out.requests += 1
        response = client.post(url, data)
        if response.status_code != expect:
            text = _error_text(response.content.decode(errors="replace"))
            detail = f"{url} -> {response.status_code} {response.get('Location', '')} {text}"
            self.out.refused.append(detail)
            if len(self.out.refused) > 50:
                raise SimError("too many refused requests: " + "; ".join(self.out.refused[:5]))
        return response

    def _file_arrival(self, arrival: Arrival) -> None:
        pool = self.desk.customers[arrival.tier]
        i = self.tier_cursor.get(arrival.tier, 0)
        self.tier_cursor[arrival.tier] = i + 1
        customer = pool[i % len(pool)]
        body = ABUSIVE_BODY if arrival.abusive else f"Contact {arrival.index}: my order is late."
        payload = {
            "subject": f"Order question {arrival.index}",
            "body": body,
            "customer_id": customer.pk,
            "team_id": self.desk.team.pk,
        }
        self.out.requests += 1
        response = self.api.post(
            "/api/v1/cases", json.dumps(payload), content_type="application/json"
        )
        if response.status_code != 201:
            raise SimError(f"intake refused: {response.status_code} {response.content[:300]!r}")
        ticket_id = int(response.json()["id"])
        self.out.case_of[arrival.index] = ticket_id
        self.out.tier_of[ticket_id] = arrival.tier
        self.by_ticket[ticket_id] = arrival

    # -- work -------------------------------------------------------------------------

    def _promise_due(self, worker: Worker, now: datetime, kind: str) -> datetime:
        end = worker.person.shift_end(now)
        hours = 2 if kind == "callback" else 3
        due = now + timedelta(hours=hours)
        if due <= end - timedelta(minutes=30):
            return due
        return worker.person.next_shift_start(now) + timedelta(minutes=90)

    def _finish_case(self, worker: Worker, task: Task, now: datetime) -> None:
        arrival, pk = task.arrival, task.ticket_id
        assert arrival is not None
        client = worker.client
        if arrival.abusive:
            self._post(client, f"/escalations/cases/{pk}/end-conversation", {"reason": "Abuse."})
            return
        # Simulated agents write canned text that names no question, so they send past
        # the coverage warning (caredesk.enrichment.replies): the sim measures queues.
        data: dict[str, Any] = {
            "body": "Thank you for writing. Here is what happens next.",
            "send_anyway": "1",
        }
        if arrival.needs_approval:
            self._post(
                client,
                f"/escalations/cases/{pk}/goodwill",
                {"action_type": self._credit_type(), "amount": "120", "reason": "Late twice."},
            )
            approval = ApprovalRequest.objects.filter(ticket_id=pk).order_by("-pk").first()
            if approval is not None:
                self.out.approval_due[approval.pk] = approval.due_at
        if arrival.promise:
            due = self._promise_due(worker, now, arrival.promise)
            data.update(
                promise_kind=Kind.CALLBACK if arrival.promise == "callback" else Kind.UPDATE,
                promise_text="Call you back" if arrival.promise == "callback" else "An update",
                promise_due=_iso(due),
                promise_visible="on",
                status_after="waiting_customer",
            )
        else:
            data["status_after"] = "resolved" if arrival.resolves else "waiting_customer"
        self._post(client, f"/cases/{pk}/reply", _reply_form(data))

    _credit: int | None = None

    def _credit_type(self) -> int:
        if self._credit is None:
            self._credit = ActionType.objects.get(slug="credit").pk
        return self._credit

    def _decide(self, worker: Worker, now: datetime) -> bool:
        uid = worker.user_id
        esc = (
            Escalation.objects.filter(owner_id=uid, status="open")
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if esc is not None:
            self._post(worker.client, f"/escalations/{esc}/answer", {"resolution": "Handled."})
            worker.busy_until = now + timedelta(minutes=DECISION_MINUTES)
            return True
        approval = (
            ApprovalRequest.objects.filter(approver_id=uid, status=ApprovalStatus.PENDING)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if approval is not None:
            self._post(
                worker.client,
                f"/escalations/approvals/{approval}/decide",
                {"decision": "approve", "reason": "Fair."},
            )
            worker.busy_until = now + timedelta(minutes=DECISION_MINUTES)
            return True
        return False

    def _keep(self, worker: Worker, promise: Promise, now: datetime) -> None:
        """Next case opened the case of a promise of mine that falls due (the case page
        shows it): keep it now, or — when this one was drawn to be renegotiated —
        move it honestly before it is due."""
        person = worker.person
        arrival = self.by_ticket.get(promise.ticket_id)
        wants_renegotiate = arrival is not None and arrival.renegotiate
        if wants_renegotiate and promise.pk not in self.out.renegotiated and promise.due_at > now:
            self.out.renegotiated.add(promise.pk)
            new_due = person.next_shift_start(now) + timedelta(minutes=60)
            self._post(
                worker.client,
                f"/promises/{promise.pk}/renegotiate",
                {"due": _iso(new_due), "message": "Sorry, I need a little longer for this."},
            )
        elif promise.kind == Kind.CALLBACK:
            self._post(
                worker.client,
                f"/phone/cases/{promise.ticket_id}/calls",
                {
                    "direction": "outbound",
                    "number": "+44 20 7946 0000",
                    "minutes": 4,
                    "seconds": 0,
                    "outcome": "reached",
                    "notes": "Called back as promised.",
                },
            )
        else:
            self._post(
                worker.client,
                f"/cases/{promise.ticket_id}/reply",
                _reply_form(
                    {
                        "body": "The update I promised: all sorted.",
                        "status_after": "resolved",
                        "send_anyway": "1",
                    }
                ),
            )
        worker.busy_until = now + timedelta(minutes=PROMISE_MINUTES)

    def _told_about_promises(self, worker: Worker) -> bool:
        """A promise notice arrived since I last asked for my next case (a reminder, a
        miss, a promise handed or escalated to me): what the notification bell shows."""
        return Notification.objects.filter(
            recipient_id=worker.user_id,
            kind__startswith="promise",
            pk__gt=worker.seen_notice,
        ).exists()

    def _take_case(self, worker: Worker, now: datetime) -> bool:
        """Next case: the product opens my promise that falls due first, else assigns me
        the next waiting case. With an empty queue and no new promise notice the agent
        sees nothing to do on the page and sends no request."""
        if not self._queue_has_cases and not self._told_about_promises(worker):
            return False
        worker.seen_notice = self._last_notice()
        response = self._post(worker.client, "/sla/next/", {})
        location = response.get("Location", "")
        if not location.startswith("/cases/"):
            self._queue_has_cases = False
            return False
        pk = int(location.strip("/").split("/")[1])
        promise = (
            Promise.objects.filter(
                ticket_id=pk, owner_id=worker.user_id, state__in=(State.OPEN, State.MISSED)
            )
            .order_by("due_at", "pk")
            .only("pk", "ticket_id", "kind", "due_at")
            .first()
        )
        if promise is not None:  # my promise's case, opened for me to keep it
            self._keep(worker, promise, now)
            return True
        arrival = self.by_ticket.get(pk)
        if arrival is None:  # not one of ours (cannot happen on a fresh database)
            return False
        self.out.claimed_at[pk] = now
        worker.task = Task("case", pk, arrival)
        worker.busy_until = now + timedelta(minutes=arrival.handle_minutes)
        return True

    def _last_notice(self) -> int:
        return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def _work(self, worker: Worker, now: datetime) -> None:
        if worker.busy_until is not None and worker.busy_until > now:
            return
        if worker.task is not None:
            task, worker.task = worker.task, None
            self._finish_case(worker, task, now)
        if not worker.person.on_duty(now):
            return
        if worker.person.role in ("lead", "manager") and self._decide(worker, now):
            return
        # Next case: my promise falling due first (the product serves it), then the queue.
        if worker.person.role != "manager":
            self._take_case(worker, now)

    def _presence(self, now: datetime) -> None:
        """Planned absences: a person absent today is marked away before the day starts."""
        if now.hour != 7 or now.minute >= self.config.tick_minutes:
            return
        today = now.date()
        for worker in self.workers:
            absent = today in worker.person.absent_days
            if absent != worker.away:
                self._post(worker.client, "/account/away", {"away": "1" if absent else "0"})
                worker.away = absent

    @staticmethod
    def _office_hours(now: datetime) -> bool:
        return now.weekday() < 5 and 7 <= now.hour < 19

    # -- the loop ---------------------------------------------------------------------

    def _progress_line(self, at: datetime, elapsed: float, cpu_started: float) -> str:
        cases = len(self.out.case_of)
        cpu = time.process_time() - cpu_started
        return (
            f"{at:%Y-%m-%d %H:%M} {cases} cases, {self.out.requests} requests, "
            f"{elapsed:.0f} s wall, {cpu:.0f} s CPU ({cases / max(elapsed, 1e-9):.1f} cases/s), "
            f"load average {load_average()}"
        )

    def run(
        self,
        wall_limit: float | None = None,
        progress: Callable[[str], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> Outcome:
        """Drive the product until the configured end; or, with ``wall_limit`` (seconds)
        or when ``stop()`` answers True, until the next whole simulated hour: the run
        then ends there (``Outcome.end``) and the metrics cover the time simulated."""
        config = self.config
        tick = timedelta(minutes=config.tick_minutes)
        end = config.start + timedelta(days=config.days)
        pending = list(reversed(self.arrivals))
        started = time.perf_counter()
        cpu_started = time.process_time()
        now = config.start
        next_quiet_jobs = now
        next_day = now + timedelta(days=1)
        next_hour = now + timedelta(hours=1)
        with injected(self.sim):
            while now < end:
                if now >= next_hour:
                    next_hour += timedelta(hours=1)
                    elapsed = time.perf_counter() - started
                    if (wall_limit is not None and elapsed >= wall_limit) or (stop and stop()):
                        end = now
                        break
                    if now >= next_day and progress is not None:
                        progress(self._progress_line(now, elapsed, cpu_started))
                    if now >= next_day:
                        next_day += timedelta(days=1)
                while pending and pending[-1].at <= now:
                    arrival = pending.pop()
                    self.sim.set(arrival.at)
                    self._file_arrival(arrival)
                self.sim.set(now)
                if self._office_hours(now) or now >= next_quiet_jobs:
                    run_jobs(now)
                    next_quiet_jobs = now + QUIET_TICK
                self._queue_has_cases = Ticket.objects.filter(
                    team_id=self.desk.team.pk, queue_rank_at__isnull=False
                ).exists()
                self._presence(now)
                for worker in self.workers:
                    self._work(worker, now)
                outbox = getattr(mail, "outbox", None)
                if outbox is not None and len(outbox) > 1000:
                    outbox.clear()  # the locmem backend keeps every mail sent
                now += tick
            # Contacts that arrived after the last tick, before the end: filed, not worked.
            while pending and pending[-1].at < end:
                arrival = pending.pop()
                self.sim.set(arrival.at)
                self._file_arrival(arrival)
        if progress is not None:
            progress(self._progress_line(end, time.perf_counter() - started, cpu_started))
        self.out.wall_seconds = time.perf_counter() - started
        self.out.cpu_seconds = time.process_time() - cpu_started
        self.out.end = end
        return self.out
