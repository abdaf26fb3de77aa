"""Password hashing: Argon2id at OWASP's current minimum, not Django's 100 MiB default.

Django's ``Argon2PasswordHasher`` uses 102,400 KiB of memory, 2 passes and 8 lanes: every
sign-in allocates about 100 MB in the web worker that checks it. The OWASP Password Storage
Cheat Sheet's minimum for Argon2id is m=19 MiB, t=2, p=1. This hasher keeps Django's
algorithm name (``argon2``) and encoding, so every stored Argon2 hash still verifies; a hash
made with other parameters is rehashed with these on the owner's next sign-in (Django's
``must_update``). See docs/adr/0019-light-pages-and-hashing.md.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher

# OWASP Password Storage Cheat Sheet, Argon2id minimum configuration.
MEMORY_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id with m=19 MiB, t=2, p=1 (Django's hasher already uses the ``id`` type)."""

    time_cost = TIME_COST
    memory_cost = MEMORY_KIB
    parallelism = PARALLELISM
