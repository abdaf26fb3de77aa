"""``make bench``'s email ingest runs end to end (it asserts nothing itself)."""

from __future__ import annotations

import re

import pytest

from bench import email_corpus, email_ingest

# Without the ``db`` fixture pytest-django refuses any use of the test database here.
pytestmark = pytest.mark.own_database


def test_email_ingest_bench_files_every_message_and_reports_its_numbers(capsys):
    assert email_ingest.main(["--messages", "40", "--batch", "15", "--databases", "sqlite"]) == 0
    out = capsys.readouterr().out
    for corpus in ("typical", "text-heavy"):
        line = re.search(rf"sqlite +{corpus} +40 messages.*?outcomes (\{{.*?\}})", out, re.S)
        assert line is not None, out
        assert line.group(1) == "{'processed': 40}"  # none lost, none quarantined
    assert re.search(r"per message: [\d.]+ ms = [\d.]+ ms of CPU .*parsing alone [\d.]+ ms", out)


def test_corpus_messages_are_of_the_typical_sizes():
    corpus = email_corpus.build_corpus(60, seed=3)
    assert all(5_000 <= len(raw) <= 50_000 for raw in corpus)
    assert sum(b"In-Reply-To:" in raw for raw in corpus) > 5  # threaded replies among them


def test_email_ingest_bench_with_two_workers_at_once(capsys):
    argv = ["--messages", "20", "--batch", "10", "--databases", "sqlite", "--corpus", "typical"]
    assert email_ingest.main([*argv, "--processes", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("outcomes {'processed': 20}") == 2  # each worker filed all its own mail
    assert re.search(r"all 2 together: 40 messages in [\d.]+ s = [\d.]+ msg/s", out), out


def test_email_ingest_bench_refuses_zero_workers():
    with pytest.raises(SystemExit):
        email_ingest.main(["--processes", "0"])
