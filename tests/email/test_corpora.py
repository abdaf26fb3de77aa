"""Real-world corpora through intake: each message ends as a case message, a bounce record or
a quarantine entry with a reason. None lost, no crash, nothing new on a second pass."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from caredesk.channels.email.models import Bounce, RawMessage, RawState
from caredesk.tickets.models import Message
from tests.email.conftest import ingest
from tests.email.corpora import corpus


@pytest.fixture(scope="module")
def samples():
    try:
        found = corpus()
    except Exception as exc:  # no package index reachable
        if os.environ.get("CI"):
            raise
        pytest.skip(f"corpora unavailable: {exc}")
    return found


def test_every_corpus_message_has_an_outcome_and_a_second_pass_adds_nothing(
    desk, mail_settings, samples, capsys
):
    files = [(name, path) for name, paths in samples.items() for path in paths]
    assert len(files) > 150
    for name in ("cpython", "django-mailbox", "flufl.bounce", "mail-parser"):
        assert samples[name], f"no samples found for {name}"
    outcomes: dict[str, Counter[str]] = {}
    seen: dict[int, str] = {}
    for name, path in files:
        row = ingest(path.read_bytes())
        seen.setdefault(row.pk, f"{name}/{path.name}")
        outcomes.setdefault(name, Counter())[row.state] += 1
    rows = list(RawMessage.objects.all())
    assert len(rows) == len(seen)  # one row per distinct message; none lost
    for row in rows:
        label = seen[row.pk]
        assert row.state != RawState.STORED, f"{label} was never processed"
        if row.state == RawState.PROCESSED:
            assert row.message_id is not None, label
        elif row.state == RawState.QUARANTINED:
            assert row.error.strip(), f"{label} quarantined without a reason"
        elif row.state == RawState.BOUNCE:
            assert Bounce.objects.filter(raw=row).exists(), label
        elif row.state == RawState.DUPLICATE:
            assert row.error, label
    assert outcomes["flufl.bounce"][RawState.BOUNCE] > 50
    messages, raws, bounces = Message.objects.count(), len(rows), Bounce.objects.count()

    for _name, path in files:
        ingest(path.read_bytes())
    assert (Message.objects.count(), RawMessage.objects.count(), Bounce.objects.count()) == (
        messages,
        raws,
        bounces,
    )
    with capsys.disabled():
        print("\ncorpus outcomes:", {k: dict(v) for k, v in outcomes.items()})
