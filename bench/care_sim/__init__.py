"""A month of a simulated support team, driven through caredesk's own URLs.

``python -m bench.care_sim --days 30 --profile normal --seed 1`` (see docs/benchmarks.md,
"Care simulation"). Arrivals and staff are drawn up front from the seed
(:mod:`.arrivals`, :mod:`.staff`); :mod:`.driver` plays them against the product with an
injected clock (:mod:`.simclock`) and the product's own periodic jobs; :mod:`.baselines`
replays the same arrivals with FIFO and VIP-first queues; :mod:`.metrics` reads the
outcome from the database and :mod:`.report` prints it.
"""
