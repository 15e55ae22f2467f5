"""Starting, watching and stopping the assistant's processes.

Used by `./assistant run` and by the end-to-end test fixtures, so tests start
the servers exactly the way a user does. Secrets travel in the environment,
never on a command line (`ps` shows those); each service's output goes through
a redacting, rotating file (ops/log_setup.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

import settings
from ops import log_setup

PYTHON = sys.executable


@dataclass
class Service:
    name: str
    argv: List[str]
    health_url: str
    log_path: Path
    env: Dict[str, str] = field(default_factory=dict)
    echo: bool = False  # also print output to the console, prefixed
    process: Optional[subprocess.Popen] = None

    def start(self) -> "Service":
        """Start the process (again, after it died: ops/supervisor.py restarts services this way)."""
        self._end_leftovers()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **settings.rasa_environment(), **self.env}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(settings.ROOT), env.get("PYTHONPATH", "")]))
        self.process = subprocess.Popen(
            self.argv,
            cwd=settings.ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: Ctrl-C is handled here, once
        )
        threading.Thread(target=self._pump, daemon=True).start()
        return self

    def _end_leftovers(self) -> None:
        # A dead process's children (its own process group) could still hold its port.
        if self.process is None or self.process.poll() is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _pump(self) -> None:
        assert self.process and self.process.stdout
        # The processes redact their own log records; this catches what bypasses `logging`.
        redactor = log_setup.Redactor(log_setup.secret_values(self.env))
        log = log_setup.RotatingFile(self.log_path, settings.LOG_MAX_BYTES, settings.LOG_BACKUPS)
        try:
            for line in self.process.stdout:
                text = redactor.redact(line.decode("utf-8", "replace"))
                log.write(text.encode("utf-8"))
                if self.echo:
                    sys.stdout.write(f"[{self.name}] {text}")
                    sys.stdout.flush()
        finally:
            log.close()

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode}; see {self.log_path}:\n"
                    + tail(self.log_path)
                )
            if is_healthy(self.health_url):
                return
            time.sleep(0.5)
        raise TimeoutError(
            f"{self.name} not healthy after {timeout:.0f}s; see {self.log_path}:\n" + tail(self.log_path)
        )

    def stop(self, timeout: float = 15) -> None:
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def is_healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def action_server(
    port: int, log_path: Path, env: Optional[Dict[str, str]] = None, echo=False, name: str = "actions"
) -> Service:
    return Service(
        name=name,
        argv=[PYTHON, "-m", "bot.action_server", "--port", str(port)],
        health_url=f"http://127.0.0.1:{port}/health",
        log_path=log_path,
        env=env or {},
        echo=echo,
    )


def rasa_server(
    model: Path,
    port: int,
    log_path: Path,
    env: Optional[Dict[str, str]] = None,
    echo=False,
    name: str = "rasa",
    host: Optional[str] = None,
) -> Service:
    """`host`: the interface (settings.HOST by default; the replicas behind nginx use 127.0.0.1)."""
    return Service(
        name=name,
        argv=[
            # `rasa run` through bot/serve.py, which applies (or not) bot/rasa_speedups.py first
            PYTHON,
            "-m",
            "bot.serve",
            "run",
            "--model",
            str(model),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
            "--enable-api",  # bot/serve.py adds its token and JWT secret from the environment
            "--interface",
            host or settings.HOST,
            "--port",
            str(port),
            "--cors",
            *site_origins(env or {}),
        ],
        health_url=f"http://127.0.0.1:{port}/",
        log_path=log_path,
        # the secrets bot/serve.py hands to Rasa; the caller's env wins (tests use their own)
        env={"RASA_API_TOKEN": settings.RASA_API_TOKEN, "RASA_JWT_SECRET": settings.RASA_JWT_SECRET, **(env or {})},
        echo=echo,
    )


def site_origins(env: Dict[str, str]) -> List[str]:
    """The websites whose pages may call Rasa from a browser (CORS); an empty `--cors` allows none."""
    if env.get("SITE_ORIGINS"):
        configured = env["SITE_ORIGINS"]
    elif env.get("PUBLIC_WEBSITE_URL"):  # a service's own website address: its origin, as settings does
        configured = settings.origin_of(env["PUBLIC_WEBSITE_URL"])
    else:
        configured = settings.SITE_ORIGINS
    return configured.replace(",", " ").split()


def stop_all(services: List[Service]) -> None:
    for service in reversed(services):
        service.stop()


def stop_together(services: List[Service], timeout: float = 15) -> None:
    """SIGTERM to all at once, then wait for each (SIGKILL at `timeout`): N replicas stop in the time of one."""
    for service in services:
        if service.process is not None and service.process.poll() is None:
            try:
                os.killpg(service.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for service in services:
        service.stop(max(0.1, deadline - time.monotonic()))


def _web_app(name: str, module: str, port_variable: str, port: int, log_path: Path, env, echo) -> Service:
    """A small web app of ours that reads its settings (port included) from the environment."""
    return Service(
        name=name,
        argv=[PYTHON, "-m", module],
        health_url=f"http://127.0.0.1:{port}/health",
        log_path=log_path,
        env={**(env or {}), port_variable: str(port)},
        echo=echo,
    )


def inbox_server(port: int, log_path: Path, env: Optional[Dict[str, str]] = None, echo=False) -> Service:
    """The trainer's inbox web app."""
    return _web_app("inbox", "trainer_inbox", "INBOX_PORT", port, log_path, env, echo)


def website_server(port: int, log_path: Path, env: Optional[Dict[str, str]] = None, echo=False) -> Service:
    """The demo trainer website with the chat widget, and calendar-invite downloads."""
    return _web_app("website", "website_widget.server", "WEBSITE_PORT", port, log_path, env, echo)
