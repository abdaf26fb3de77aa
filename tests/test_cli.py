"""The caredesk command, run as a newcomer would: a fresh data folder, real processes."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import copy_migrated, process_env

CLI = [sys.executable, "-m", "caredesk.cli"]

# Without the ``db`` fixture pytest-django refuses any use of the test database here.
pytestmark = pytest.mark.own_database


@pytest.fixture
def fresh_env(tmp_path: Path) -> dict[str, str]:
    return process_env(tmp_path / "data")


@pytest.fixture
def migrated_env(tmp_path: Path, migrated_data_dir: Path) -> dict[str, str]:
    """A data folder as ``caredesk migrate`` leaves it (a copy: the first test migrates)."""
    return process_env(copy_migrated(migrated_data_dir, tmp_path / "data"))


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, input=stdin, capture_output=True, text=True, timeout=180
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_migrate_createadmin_and_check_on_a_fresh_data_folder(fresh_env, tmp_path):
    result = run(["migrate"], fresh_env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "caredesk.sqlite3").exists()
    result = run(
        [
            "createadmin",
            "--email",
            "Boss@Example.com",
            "--name",
            "Boss",
            "--password",
            "a-long-and-unusual-pass",
        ],
        fresh_env,
    )
    assert result.returncode == 0, result.stderr
    assert "boss@example.com" in result.stdout
    again = run(
        ["createadmin", "--email", "boss@example.com", "--password", "a-long-and-unusual-pass"],
        fresh_env,
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    check = run(["check"], fresh_env)
    assert check.returncode == 0, check.stderr
    assert "sqlite" in check.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email", "--password", "a-long-and-unusual-pass"], "not a valid email"),
        (
            [
                "--email",
                "x@example.com\nBcc: evil@example.com",
                "--password",
                "a-long-and-unusual-pass",
            ],
            "not a valid email",
        ),
        (["--email", "short@example.com", "--password", "123"], "too short"),
    ],
)
def test_createadmin_refuses_bad_input_clearly(migrated_env, args, message):
    result = run(["createadmin", *args], migrated_env)
    assert result.returncode == 2
    assert message in result.stderr


def test_bad_configuration_is_reported_without_a_traceback(fresh_env):
    result = run(["check"], {**fresh_env, "CAREDESK_ENV": "production"})
    assert result.returncode == 2
    assert "configuration error: SECRET_KEY is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_runs_the_web_server_and_the_worker(migrated_env):
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "1"],
        env=migrated_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = ""
        for _ in range(120):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/login/", timeout=2
                ) as response:
                    body = response.read().decode()
                    headers = response.headers
                    break
            except OSError:
                time.sleep(0.25)
        assert "Sign in" in body
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        # The worker is a real process beside the web server.
        children = subprocess.run(
            ["pgrep", "-P", str(proc.pid), "-a"], capture_output=True, text=True
        ).stdout
        assert "worker" in children and "gunicorn" in children
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode in (0, -15, 143), output
