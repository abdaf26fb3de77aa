"""Argon2id at OWASP's minimum (m=19 MiB, t=2, p=1); older hashes upgraded on sign-in (#16)."""

from __future__ import annotations

import argon2
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    check_password,
    identify_hasher,
    make_password,
)

from caredesk.accounts.hashers import Argon2idPasswordHasher
from caredesk.accounts.models import User

PASSWORD = "correct horse battery"
OURS = "caredesk.accounts.hashers.Argon2idPasswordHasher"
PRODUCTION_HASHERS = [OURS, "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def production_hashers(settings):
    """The hasher list without the test-only MD5 hasher in front."""
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS


def params(encoded: str) -> argon2.Parameters:
    assert encoded.startswith("argon2$")
    return argon2.extract_parameters(encoded.removeprefix("argon2"))


def test_settings_put_argon2id_first_after_the_test_only_hasher():
    hashers = [h for h in django_settings.PASSWORD_HASHERS if not h.endswith("MD5PasswordHasher")]
    assert hashers[0] == OURS
    # Django's own Argon2 hasher has the same algorithm name and would shadow ours.
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" not in hashers


def test_new_hashes_are_argon2id_with_owasp_minimum(production_hashers):
    encoded = make_password(PASSWORD)
    p = params(encoded)
    assert p.type is argon2.Type.ID
    assert (p.memory_cost, p.time_cost, p.parallelism) == (19 * 1024, 2, 1)
    assert check_password(PASSWORD, encoded)
    assert not check_password("wrong horse battery", encoded)
    assert not Argon2idPasswordHasher().must_update(encoded)


def test_django_default_argon2_hash_still_verifies_and_must_update(production_hashers):
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert params(old).memory_cost == 102_400
    assert isinstance(identify_hasher(old), Argon2idPasswordHasher)
    assert check_password(PASSWORD, old)
    assert Argon2idPasswordHasher().must_update(old)


@pytest.mark.parametrize("old_hasher", [Argon2PasswordHasher, PBKDF2PasswordHasher])
def test_old_hash_is_upgraded_on_the_next_sign_in(desk, client, production_hashers, old_hasher):
    hasher = old_hasher()
    User.objects.filter(pk=desk.agent.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))
    response = client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    stored = User.objects.get(pk=desk.agent.pk).password
    p = params(stored)
    assert (p.type, p.memory_cost, p.time_cost, p.parallelism) == (argon2.Type.ID, 19456, 2, 1)
    # The upgraded hash signs in too.
    client.post("/logout/")
    again = client.post("/login/", {"email": "ada@desk.test", "password": PASSWORD})
    assert again.status_code == 302


def test_a_wrong_password_does_not_touch_the_old_hash(desk, client, production_hashers):
    hasher = Argon2PasswordHasher()
    old = hasher.encode(PASSWORD, hasher.salt())
    User.objects.filter(pk=desk.agent.pk).update(password=old)
    response = client.post("/login/", {"email": "ada@desk.test", "password": "not it"})
    assert response.status_code == 400
    assert User.objects.get(pk=desk.agent.pk).password == old
