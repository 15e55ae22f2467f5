"""Password hashes, generated passwords, signed sessions, CSRF and login rate limiting."""

from __future__ import annotations

import stat
import subprocess
import sys
import time
from pathlib import Path

from trainer_inbox import auth

ROOT = Path(__file__).resolve().parent.parent
KEY = "secret-key"


def test_password_hash_round_trip():
    encoded = auth.hash_password("knee to wall", iterations=2000)
    algorithm, iterations, salt, digest = encoded.split("$")
    assert algorithm == "pbkdf2_sha256" and iterations == "2000" and salt and digest
    assert auth.verify_password("knee to wall", encoded)
    assert not auth.verify_password("knee to wal", encoded)
    assert not auth.verify_password("", encoded)
    # Salted: the same password never gives the same hash twice.
    assert auth.hash_password("knee to wall", iterations=2000) != encoded


def test_default_iterations_are_strong_and_verify():
    encoded = auth.hash_password("x")
    assert int(encoded.split("$")[1]) >= 100_000
    assert auth.verify_password("x", encoded)


def test_malformed_hashes_never_verify():
    for encoded in [
        "",
        "nonsense",
        "md5$1$abc$def",
        "pbkdf2_sha256$x$abc$def",
        "pbkdf2_sha256$0$abc$def",
        "pbkdf2_sha256$1000$$",
        "pbkdf2_sha256$1000$!!$??",
    ]:
        assert not auth.verify_password("anything", encoded), encoded


def test_ensure_password_generates_once_and_keeps_only_the_hash_for_checking(tmp_path):
    encoded, password = auth.ensure_password(tmp_path)
    assert password and auth.verify_password(password, encoded)
    hash_file = tmp_path / "secrets" / "inbox_password_hash"
    password_file = tmp_path / "secrets" / "inbox_password"
    assert hash_file.read_text().strip() == encoded
    assert password_file.read_text().strip() == password
    for path in (hash_file, password_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Later starts: the same hash, and no new password to print.
    assert auth.ensure_password(tmp_path) == (encoded, None)
    assert auth.generated_password(tmp_path) == password
    # The trainer may delete the plain password once noted: logins keep working.
    password_file.unlink()
    assert auth.ensure_password(tmp_path) == (encoded, None)
    assert auth.generated_password(tmp_path) is None


def test_configured_hash_wins(tmp_path):
    configured = auth.hash_password("mine", iterations=1000)
    assert auth.ensure_password(tmp_path, configured) == (configured, None)
    assert not (tmp_path / "secrets" / "inbox_password").exists()


def test_hash_command_reads_stdin():
    result = subprocess.run(
        [sys.executable, "-m", "trainer_inbox.auth", "hash"],
        input="a long password\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    encoded = result.stdout.strip()
    assert encoded.startswith("pbkdf2_sha256$")
    assert auth.verify_password("a long password", encoded)
    too_short = subprocess.run(
        [sys.executable, "-m", "trainer_inbox.auth", "hash"], input="short\n", capture_output=True, text=True, cwd=ROOT
    )
    assert too_short.returncode != 0 and not too_short.stdout.strip()


def test_session_round_trip():
    cookie, payload = auth.make_session(KEY, "trainer", "hash")
    read = auth.read_session(KEY, cookie, "trainer", "hash")
    assert read == payload
    assert read["exp"] - read["iat"] == auth.SESSION_TTL_SECONDS
    assert len(read["csrf"]) >= 20


def test_tampered_sessions_are_rejected():
    cookie, _ = auth.make_session(KEY, "trainer", "hash")
    body, signature = cookie.split(".")
    forged_body = auth._b64encode(b'{"csrf":"x","exp":9999999999,"iat":0,"pw":"","u":"trainer"}')
    assert auth.read_session(KEY, f"{forged_body}.{signature}", "trainer", "hash") is None
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert auth.read_session(KEY, f"{body}.{flipped}", "trainer", "hash") is None
    assert auth.read_session("another key", cookie, "trainer", "hash") is None
    assert auth.read_session(KEY, cookie, "someone-else", "hash") is None
    # Changing the password ends existing sessions.
    assert auth.read_session(KEY, cookie, "trainer", "new hash") is None
    for junk in [None, "", "abc", "a.b.c", "é.é", f"{body}."]:
        assert auth.read_session(KEY, junk, "trainer", "hash") is None


def test_expired_sessions_are_rejected():
    issued = time.time() - auth.SESSION_TTL_SECONDS - 5
    cookie, _ = auth.make_session(KEY, "trainer", "hash", now=issued)
    assert auth.read_session(KEY, cookie, "trainer", "hash") is None
    assert auth.read_session(KEY, cookie, "trainer", "hash", now=issued + 10) is not None


def test_csrf_check():
    _, session = auth.make_session(KEY, "trainer")
    assert auth.csrf_ok(session, session["csrf"])
    assert not auth.csrf_ok(session, "")
    assert not auth.csrf_ok(session, None)
    assert not auth.csrf_ok(session, session["csrf"] + "x")
    assert not auth.csrf_ok(None, session["csrf"])


def test_rate_limiter_window():
    limiter = auth.LoginRateLimiter(max_failures=5, window_seconds=60)
    for second in range(5):
        assert not limiter.blocked("1.2.3.4", now=100 + second)
        limiter.failed("1.2.3.4", now=100 + second)
    assert limiter.blocked("1.2.3.4", now=105)
    assert limiter.retry_after("1.2.3.4", now=105) == 55
    assert not limiter.blocked("5.6.7.8", now=105)  # per address
    assert not limiter.blocked("1.2.3.4", now=161)  # the oldest failure left the window
    limiter.failed("9.9.9.9", now=0)
    limiter.succeeded("9.9.9.9")
    assert not limiter.blocked("9.9.9.9", now=1)
