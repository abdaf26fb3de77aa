"""`caredesk check` names what will bite in production."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from caredesk import cli
from caredesk.core import clock
from caredesk.core.models import WorkerLease
from caredesk.ops.readiness import production_warnings

pytestmark = pytest.mark.django_db


def production_like(settings) -> None:
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.DEFAULT_FROM_EMAIL = "Support <support@shop.example>"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    now = clock.now()
    WorkerLease.objects.create(
        worker_id="w1",
        host="h",
        pid=1,
        started_at=now,
        heartbeat_at=now,
        expires_at=now + timedelta(seconds=30),
    )


def test_a_well_configured_desk_gets_no_warning_but_the_database_kind(settings, desk):
    production_like(settings)
    for person in (desk.admin, desk.manager):
        TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    warnings = production_warnings(clock.now())
    from django.db import connection

    assert len(warnings) == (1 if connection.vendor == "sqlite" else 0)


def test_each_production_hazard_is_named(settings, desk):
    settings.DEBUG = True
    settings.SECURE_SSL_REDIRECT = False
    settings.DEFAULT_FROM_EMAIL = "caredesk <support@caredesk.localhost>"
    settings.CAREDESK_EMAIL_OWN_ADDRESSES = []
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    text = "\n".join(production_warnings(clock.now()))
    assert "DEBUG is on" in text
    assert "without TLS" in text
    assert "no mail address of its own" in text
    assert "no background worker" in text
    assert "2 admin or manager account(s) have no second factor" in text
    assert desk.admin.email in text and desk.manager.email in text


def test_check_strict_exits_1_on_warnings(settings, desk, capsys, monkeypatch):
    monkeypatch.setattr(cli, "_setup", lambda: None)
    settings.DEBUG = True
    assert cli.main(["check"]) == 0
    assert cli.main(["check", "--strict"]) == 1
    assert "warning: DEBUG is on" in capsys.readouterr().out
