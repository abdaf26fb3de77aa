"""Operations: health and readiness probes, Prometheus metrics, request ids in the logs, and
the production warnings of ``caredesk check`` (docs/operations.md)."""
