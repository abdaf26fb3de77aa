"""The caredesk benchmark (``make bench``). See bench/run.py and docs/benchmarks.md."""
