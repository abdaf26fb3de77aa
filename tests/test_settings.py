"""Production settings refuse to start unsafe; the error names the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GOOD_KEY = "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789"


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "CAREDESK_"))
    }
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY is required"),
        ({"SECRET_KEY": "short"}, "at least 50"),
        ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "desk.example.com", "DEBUG": "true"},
            "DEBUG must be off",
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "desk.example.com", "DEBUG": "maybe"},
            "true or false",
        ),
        (
            {
                "SECRET_KEY": GOOD_KEY,
                "ALLOWED_HOSTS": "desk.example.com",
                "DATABASE_URL": "mysql://x@y/z",
            },
            "SQLite or PostgreSQL",
        ),
    ],
)
def test_unsafe_production_settings_fail_loudly(env, message):
    result = load_settings({"CAREDESK_ENV": "production", **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_safe_production_settings_load(tmp_path):
    result = load_settings(
        {
            "CAREDESK_ENV": "production",
            "SECRET_KEY": GOOD_KEY,
            "ALLOWED_HOSTS": "desk.example.com",
            "CAREDESK_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 0, result.stderr


def test_production_requires_two_factor_for_admins_and_managers_by_default(tmp_path):
    env = {
        "CAREDESK_ENV": "production",
        "SECRET_KEY": GOOD_KEY,
        "ALLOWED_HOSTS": "desk.example.com",
        "CAREDESK_DATA_DIR": str(tmp_path),
    }
    code = "import config.settings as s; print(sorted(s.CAREDESK_TWO_FACTOR_ROLES))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "CAREDESK_"))}
    shown = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.stdout.strip() == "['admin', 'manager']", shown.stderr
    result = load_settings({**env, "CAREDESK_TWO_FACTOR_ROLES": "admin,superhero"})
    assert result.returncode != 0
    assert "unknown roles: superhero" in result.stderr


def test_unknown_environment_is_refused():
    result = load_settings({"CAREDESK_ENV": "prod"})
    assert "CAREDESK_ENV must be" in result.stderr


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    code = "from django.conf import settings; import config.settings as s; print(s.SECRET_KEY)"
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY",)}
    env = {**clean, "CAREDESK_DATA_DIR": str(tmp_path), "CAREDESK_TESTING": "false"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )
        for _ in range(2)
    ]
    keys = [r.stdout.strip() for r in runs]
    assert keys[0] == keys[1] and len(keys[0]) > 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CAREDESK_TASK_BACKEND": "celery"}, "must be 'database' or 'rq'"),
        ({"CAREDESK_TASK_BACKEND": "rq"}, "needs REDIS_URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL must start with redis://"),
        ({"CAREDESK_TASK_RETRY_DELAYS": "10,soon"}, "whole seconds"),
        ({"CAREDESK_TASK_RETRY_DELAYS": "-5"}, "0 s or more"),
        ({"CAREDESK_TASK_TIMEOUT_SECONDS": "1"}, "10 or more"),
    ],
)
def test_task_queue_settings_fail_loudly(env, message, tmp_path):
    result = load_settings({"CAREDESK_DATA_DIR": str(tmp_path), **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_the_rq_backend_is_chosen_with_redis(tmp_path):
    code = (
        "import config.settings as s; "
        "print(s.TASKS['default']['BACKEND'], s.RQ_QUEUES['default']['URL'], "
        "'django_rq' in s.INSTALLED_APPS, s.CACHES['default']['BACKEND'])"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CAREDESK_", "REDIS"))}
    env = {
        **clean,
        "CAREDESK_DATA_DIR": str(tmp_path),
        "CAREDESK_TASK_BACKEND": "rq",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "CAREDESK_TESTING": "false",
    }
    env.pop("PYTEST_VERSION", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "caredesk.core.redis_queue.RQBackend",
        "redis://127.0.0.1:6379/3",
        "True",
        "django.core.cache.backends.redis.RedisCache",
    ]
