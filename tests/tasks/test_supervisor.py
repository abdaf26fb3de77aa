"""``caredesk serve`` keeps its task worker alive and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request

from caredesk.core.supervise import Child, Supervisor
from tests.tasks.procs import CLI, ROOT, wait_for
from tests.test_cli import free_port

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def start(supervisor: Supervisor) -> threading.Thread:
    thread = threading.Thread(target=supervisor.run, daemon=True)
    thread.start()
    return thread


def pid_of(child: Child) -> int | None:
    return child.proc.pid if child.proc is not None and child.proc.poll() is None else None


def test_a_killed_worker_is_started_again_with_a_log_line():
    lines: list[str] = []
    worker = Child("task worker", SLEEPER, restart=True)
    web = Child("web server", SLEEPER, restart=False)
    supervisor = Supervisor([worker, web], say=lines.append, restart_start=0.2, grace=5)
    thread = start(supervisor)
    first = wait_for(lambda: pid_of(worker), "the worker to start")
    os.kill(first, signal.SIGKILL)
    second = wait_for(lambda: pid_of(worker) not in (None, first) and pid_of(worker), "a restart")
    os.kill(second, signal.SIGKILL)
    wait_for(lambda: pid_of(worker) not in (None, first, second), "a second restart")
    assert worker.restarts == 2
    assert "the task worker stopped (killed by SIGKILL)" in lines[0]
    assert "starting it again in 0 s" in lines[0]  # 0.2 s, then 0.4 s
    assert any("the task worker started again (pid" in line for line in lines)
    web_proc = web.proc
    supervisor.stop()
    thread.join(timeout=15)
    assert not thread.is_alive() and supervisor.exit_code == 0
    assert worker.proc is not None and worker.proc.poll() is not None
    assert web_proc is not None and web_proc.poll() is not None


def test_a_worker_that_keeps_dying_waits_longer_each_time():
    lines: list[str] = []
    crashing = Child("task worker", [sys.executable, "-c", "raise SystemExit(3)"], restart=True)
    supervisor = Supervisor(
        [crashing, Child("web server", SLEEPER, restart=False)],
        say=lines.append,
        restart_start=0.1,
        restart_cap=0.4,
    )
    thread = start(supervisor)
    wait_for(lambda: crashing.restarts >= 4, "four restarts", 30)
    supervisor.stop()
    thread.join(timeout=15)
    delays = [line.rsplit(" in ", 1)[1] for line in lines if "starting it again" in line]
    assert all("exit code 3" in line for line in lines if "stopped" in line)
    assert delays[:4] == ["0 s", "0 s", "0 s", "0 s"]  # 0.1, 0.2, 0.4, 0.4: capped
    assert crashing.quick_deaths >= 4


def test_when_the_web_server_stops_everything_stops():
    lines: list[str] = []
    worker = Child("task worker", SLEEPER, restart=True)
    web = Child("web server", [sys.executable, "-c", "raise SystemExit(4)"], restart=False)
    supervisor = Supervisor([worker, web], say=lines.append, grace=5)
    assert supervisor.run() == 4
    assert "the web server stopped (exit code 4); stopping everything" in lines
    assert worker.proc is not None and worker.proc.poll() is not None


def test_serve_restarts_its_killed_worker_and_stops_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(CAREDESK_DATA_DIR=str(tmp_path / "data"), CAREDESK_TESTING="false")
    migrated = subprocess.run(
        [*CLI, "migrate"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def worker_pid() -> int | None:
        found = subprocess.run(
            ["pgrep", "-P", str(serve.pid), "-f", "caredesk.cli worker"],
            capture_output=True,
            text=True,
        ).stdout.split()
        return int(found[0]) if found else None

    try:
        first = wait_for(worker_pid, "serve's worker", 60)
        os.kill(first, signal.SIGKILL)
        second = wait_for(lambda: worker_pid() not in (None, first) and worker_pid(), "restart")
        assert second != first
        wait_for(lambda: _get(port), "the web server", 60)  # still serving meanwhile
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
        log.close()
    output = (tmp_path / "serve.log").read_text(errors="replace")
    assert "the task worker stopped (killed by SIGKILL)" in output
    assert "the task worker started again" in output
    time.sleep(0.5)
    assert subprocess.run(["pgrep", "-f", f"gunicorn.*127.0.0.1:{port}"]).returncode == 1


def _get(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
