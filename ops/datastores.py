"""Throwaway PostgreSQL and Redis servers of the project's own, for tests and `run --replicas`.

Each instance has its own data directory (a temporary folder) and port on
127.0.0.1, so it never touches a system service. Debian installs PostgreSQL's
programs under /usr/lib/postgresql/<N>/bin, off the PATH; the server refuses
to run as root, so as root it runs as the `postgres` user that the package
creates. ops/ensure_services.sh installs both from Debian's packages.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

ENSURE_SCRIPT = Path(__file__).with_name("ensure_services.sh")


class ServiceUnavailable(RuntimeError):
    """A server could not be found or started; the message says what to do."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Optional[Path]:
    """The newest installed PostgreSQL's program folder (Debian's layout first, then the PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if found and os.access(os.path.join(found[-1], "initdb"), os.X_OK):
        return Path(found[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _wait_for_port(port: int, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServiceUnavailable(f"the server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise ServiceUnavailable(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


@dataclass
class PostgresServer:
    """One PostgreSQL cluster in a temporary folder; `create_database()` hands out empty databases."""

    user: str = "assistant"
    port: int = field(default_factory=free_port)
    max_connections: int = 200
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="assistant-pg-")))
    _run_as: List[str] = field(default_factory=list)
    _started: bool = False

    @property
    def data(self) -> Path:
        return self.base / "data"

    def start(self) -> "PostgresServer":
        programs = postgres_bin()
        if programs is None:
            raise ServiceUnavailable(f"PostgreSQL is not installed; run {ENSURE_SCRIPT}")
        if os.geteuid() == 0:  # the server refuses to run as root
            try:
                postgres = pwd.getpwnam("postgres")
            except KeyError as error:
                raise ServiceUnavailable("running as root and there is no postgres user") from error
            os.chown(self.base, postgres.pw_uid, postgres.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]
        options = (
            f"-k {self.base} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={self.max_connections}"
        )
        try:
            self._run(programs / "initdb", "-D", self.data, "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync")
            self._run(programs / "pg_ctl", "-D", self.data, "-o", options, "-l", self.base / "log", "-w", "start")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
            detail = getattr(error, "stderr", b"") or b""
            shutil.rmtree(self.base, ignore_errors=True)
            raise ServiceUnavailable(
                f"could not start PostgreSQL: {error} {detail.decode(errors='replace')}"
            ) from error
        self._started = True
        atexit.register(self.stop)
        return self

    def _run(self, *argv) -> None:
        subprocess.run(self._run_as + [str(a) for a in argv], check=True, capture_output=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: Optional[str] = None) -> str:
        """A new empty database's SQLAlchemy URL."""
        from sqlalchemy import create_engine

        name = name or f"db_{uuid.uuid4().hex[:12]}"
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT", future=True)
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            admin.dispose()
        return self.url(name)

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        programs = postgres_bin()
        try:
            if programs:
                self._run(programs / "pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
            pass
        shutil.rmtree(self.base, ignore_errors=True)


@dataclass
class RedisServer:
    """One Redis server without persistence, on 127.0.0.1."""

    port: int = field(default_factory=free_port)
    base: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="assistant-redis-")))
    process: Optional[subprocess.Popen] = None

    def start(self) -> "RedisServer":
        program = shutil.which("redis-server")
        if program is None:
            raise ServiceUnavailable(f"Redis is not installed; run {ENSURE_SCRIPT}")
        argv = [program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        argv += ["--dir", str(self.base), "--logfile", str(self.base / "redis.log"), "--daemonize", "no"]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for_port(self.port, 30, self.process)
        except ServiceUnavailable:
            self.stop()
            raise
        atexit.register(self.stop)
        return self

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        shutil.rmtree(self.base, ignore_errors=True)
