"""``caredesk manage backfill_sentiment``: score the customer messages that have no
sentiment yet (written before sentiment existed, or while the worker was down)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from caredesk.enrichment.models import MessageSentiment
from caredesk.enrichment.tasks import score_sentiment
from caredesk.tickets.models import Message, MessageKind


class Command(BaseCommand):
    help = "Score the sentiment of customer messages not scored yet (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="messages per batch")
        parser.add_argument("--limit", type=int, default=0, help="stop after this many (0: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, min(int(options["batch"]), 10_000))
        limit = max(0, int(options["limit"]))
        scored = MessageSentiment.objects.values("message_id")
        todo = Message.objects.filter(kind=MessageKind.CUSTOMER).exclude(pk__in=scored)
        total = todo.count() if not limit else min(limit, todo.count())
        self.stdout.write(f"{total} customer message(s) to score.")
        done = stored = 0
        last = 0
        while done < total:
            ids = list(todo.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            for pk in ids[: total - done]:
                stored += score_sentiment(pk)
                done += 1
            last = ids[-1]
            self.stdout.write(f"{done}/{total} scored")
        self.stdout.write(self.style.SUCCESS(f"Done: {stored} stored, {done - stored} skipped."))
