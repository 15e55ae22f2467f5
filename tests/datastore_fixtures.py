"""Real PostgreSQL and Redis for the tests (ops/datastores.py), one server each per test session.

`postgres_server` / `postgres_database` (a fresh empty database per test) and
`redis_server`. Where a server cannot be installed or started, a developer's
run skips the test with the reason; under CI=true the test fails instead,
because a skipped database test would hide a broken install step. `./assistant
test` runs ops/ensure_services.sh first, which installs them from Debian.
"""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from ops.datastores import PostgresServer, RedisServer, ServiceUnavailable


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(what: str, error: Exception) -> None:
    message = f"{what} could not be started: {error}"
    if in_ci():
        pytest.fail(f"{message} (CI must run these tests: ops/ensure_services.sh installs it)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
    except ServiceUnavailable as error:
        unavailable("PostgreSQL", error)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> str:
    """The SQLAlchemy URL of a new, empty PostgreSQL database."""
    return postgres_server.create_database()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        server.start()
    except ServiceUnavailable as error:
        unavailable("Redis", error)
    try:
        yield server
    finally:
        server.stop()
