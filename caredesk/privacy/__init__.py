"""Privacy requests: what caredesk holds about a customer, exported or erased, legal
holds that stop an erasure, and retention rules per organization (docs/privacy.md)."""
