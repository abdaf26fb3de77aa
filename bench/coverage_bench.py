"""``make bench``: the reply coverage check (P3) on a typical and a large case.

The check runs in the request when an agent presses Send, so it must be fast: the target
is at most 150 ms at the median for a typical case (issue #13). It is pure Python over
the case's texts (one indexed query reads them, not measured here); this prints the
median and 95th percentile of :func:`caredesk.enrichment.coverage.check` over repeats,
with the first call (stemmer and synonym table warm-up) shown apart; "cold" clears the
stem cache before every run (a process that has not seen these words). Nothing asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time

from caredesk.enrichment import coverage

PINNED = (
    "Hello, I ordered the Oslo sofa and the matching footstool three weeks ago (order "
    "40213). The sofa came last Tuesday but the footstool was not in the van, and the "
    "driver said it would follow. Nobody has called since. When will my footstool "
    "arrive? I need an exact time because I work shifts. Also, can you refund the "
    "delivery fee, since I paid for one delivery and got half of it?\nThanks, Maria"
)
LATER = [
    "I am still waiting. Is there a tracking number for the footstool?",
    "And please confirm the refund of the delivery charge.",
]
EARLIER = ["Hi Maria, sorry about this. I have asked the warehouse and will get back to you."]
REPLY = (
    "Hi Maria,\n\nI'm sorry the footstool was left off the van. It is booked on our "
    "Thursday round and the driver will be with you between 9am and 11am; the tracking "
    "number is JD0142889. I have also refunded the £25 delivery fee to your card, which "
    "takes 3 to 5 working days to show.\n\nBest wishes,\nAda"
)


def _large() -> tuple[str, list[str], list[str], str]:
    text = (PINNED + " ") * 12
    return text, [text[:2000]] * 20, [REPLY * 4] * 20, REPLY * 10


def _time(repeat: int, *args: object, cold: bool = False) -> tuple[float, list[float]]:
    pinned, later, earlier, reply = args
    runs = []
    first = 0.0
    for i in range(repeat + 1):
        if cold:
            coverage.stem.cache_clear()
        started = time.perf_counter()
        coverage.check(
            later,  # type: ignore[arg-type]
            reply,  # type: ignore[arg-type]
            customer="Maria",
            pinned=pinned,  # type: ignore[arg-type]
            answered_by=earlier,  # type: ignore[arg-type]
        )
        elapsed = (time.perf_counter() - started) * 1000
        if i == 0:
            first = elapsed
        else:
            runs.append(elapsed)
    return first, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    print("== reply coverage check (caredesk.enrichment.coverage) ==")
    typical = (PINNED, LATER, EARLIER, REPLY)
    rows = (("typical", typical, False), ("cold", typical, True), ("large", _large(), False))
    for label, case, cold in rows:
        first, runs = _time(args.repeat, *case, cold=cold)
        runs.sort()
        p95 = runs[int(len(runs) * 0.95) - 1]
        print(
            f"{label:8} first call {first:7.2f} ms   p50 {statistics.median(runs):6.2f} ms   "
            f"p95 {p95:6.2f} ms   ({len(runs)} runs)"
        )
    result = coverage.check(LATER, REPLY, customer="Maria", pinned=PINNED, answered_by=EARLIER)
    print(f"typical case answers: {result.answers}; questions checked: {len(result.questions)}")


if __name__ == "__main__":
    main()
