from __future__ import annotations

import pytest
from django.core.cache import cache

from caredesk.customers.models import ContactIdentity, Customer, Organization


@pytest.fixture(autouse=True)
def _local_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "inc"}
    }
    cache.clear()
    yield
    cache.clear()


def many_customers(count: int, organization: Organization, prefix: str = "c") -> list[Customer]:
    """``count`` customers with an address each, in a few INSERTs."""
    customers = Customer.objects.bulk_create(
        Customer(name=f"Customer {i}", organization=organization) for i in range(count)
    )
    ContactIdentity.objects.bulk_create(
        ContactIdentity(customer=c, kind=ContactIdentity.Kind.EMAIL, value=f"{prefix}{i}@many.test")
        for i, c in enumerate(customers)
    )
    return customers
