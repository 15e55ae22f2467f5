"""Login for the trainer's inbox: password hashes, signed session cookies, CSRF, rate limiting.

Only the standard library: PBKDF2-SHA256 password hashes, an HMAC-SHA256 signed
session cookie carrying the username, issue and expiry times and the session's
CSRF token, and an in-memory sliding window of failed logins (per client
address and per username, see routes_auth.py).

`./assistant reset-inbox-password` (`reset_password`) asks for a new password and
keeps only its hash in var/secrets/; `python -m trainer_inbox.auth hash` prints
a hash for INBOX_PASSWORD_HASH instead, for set-ups configured by environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Deque, Dict, Optional, Tuple

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 600_000  # OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256
SESSION_COOKIE = "inbox_session"
SESSION_TTL_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
PASSWORD_FILE = "inbox_password"
PASSWORD_HASH_FILE = "inbox_password_hash"
MIN_PASSWORD_LENGTH = 10


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- passwords -------------------------------------------------------------------
def hash_password(password: str, iterations: int = DEFAULT_ITERATIONS, salt: Optional[bytes] = None) -> str:
    """`pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>` for a password."""
    if iterations < 1:
        raise ValueError("iterations must be positive")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{ALGORITHM}${iterations}${_b64encode(salt)}${_b64encode(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches an encoded hash; False for malformed hashes."""
    try:
        algorithm, iterations_text, salt_text, hash_text = (encoded or "").split("$")
        iterations = int(iterations_text)
        salt, expected = _b64decode(salt_text), _b64decode(hash_text)
    except (ValueError, TypeError):
        return False
    if algorithm != ALGORITHM or iterations < 1 or not expected:
        return False
    digest = hashlib.pbkdf2_hmac("sha256", (password or "").encode("utf-8"), salt, iterations)
    return hmac.compare_digest(digest, expected)


def _write_private(path: Path, text: str) -> None:
    """Create a file readable by its owner only (the mode is set before any byte is written)."""
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)


def ensure_password(var_dir, configured_hash: str = "") -> Tuple[str, Optional[str]]:
    """The inbox password hash, and the plain password if it was generated just now.

    A configured hash (INBOX_PASSWORD_HASH) wins. Without one, a random password
    is generated once: its hash goes to var/secrets/inbox_password_hash and the
    password itself to var/secrets/inbox_password (both mode 0600) so that the
    first-time trainer can read it there; later calls return the stored hash and None.
    """
    if configured_hash:
        return configured_hash, None
    store = Path(var_dir) / "secrets"
    store.mkdir(parents=True, exist_ok=True)
    hash_path = store / PASSWORD_HASH_FILE
    if hash_path.is_file():
        stored = hash_path.read_text(encoding="utf-8").strip()
        if stored:
            return stored, None
    password = secrets.token_urlsafe(12)
    encoded = hash_password(password)
    _write_private(store / PASSWORD_FILE, password + "\n")
    _write_private(hash_path, encoded + "\n")  # written last: its presence means "done"
    return encoded, password


def set_password(var_dir, password: str) -> Path:
    """Keep the hash of a new password in var/secrets/ and forget a generated one; the hash file's path."""
    store = Path(var_dir) / "secrets"
    store.mkdir(parents=True, exist_ok=True)
    hash_path = store / PASSWORD_HASH_FILE
    partial = store / (PASSWORD_HASH_FILE + ".new")
    _write_private(partial, hash_password(password) + "\n")
    os.replace(partial, hash_path)  # never a half-written hash that would lock the trainer out
    (store / PASSWORD_FILE).unlink(missing_ok=True)
    return hash_path


def reset_password(var_dir, ask=None) -> Path:
    """Ask for a new password twice (without echo) and store its hash; SystemExit with a reason if refused."""
    if ask is None:
        import getpass

        ask = getpass.getpass
    first = ask("New inbox password: ")
    if len(first) < MIN_PASSWORD_LENGTH:
        raise SystemExit(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters; nothing was changed.")
    if ask("The same again: ") != first:
        raise SystemExit("The two passwords differ; nothing was changed.")
    return set_password(var_dir, first)


def generated_password(var_dir) -> Optional[str]:
    """The generated password still kept in var/secrets/inbox_password, if any (never printed: the trainer reads the file)."""
    path = Path(var_dir) / "secrets" / PASSWORD_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


# --- sessions ----------------------------------------------------------------------
def _password_fingerprint(password_hash: str) -> str:
    # In the signed payload, so changing the password ends every existing session.
    return hashlib.sha256((password_hash or "").encode("utf-8")).hexdigest()[:16]


def _sign(secret_key: str, body: str) -> str:
    return _b64encode(hmac.new(secret_key.encode("utf-8"), body.encode("ascii"), hashlib.sha256).digest())


def make_session(
    secret_key: str,
    username: str,
    password_hash: str = "",
    ttl_seconds: int = SESSION_TTL_SECONDS,
    now: Optional[float] = None,
) -> Tuple[str, Dict]:
    """A signed cookie value and its payload (username, iat, exp, csrf)."""
    issued = int(time.time() if now is None else now)
    payload = {
        "u": username,
        "iat": issued,
        "exp": issued + int(ttl_seconds),
        "csrf": secrets.token_urlsafe(24),
        "pw": _password_fingerprint(password_hash),
    }
    body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{body}.{_sign(secret_key, body)}", payload


def read_session(
    secret_key: str,
    cookie_value: Optional[str],
    username: str,
    password_hash: str = "",
    now: Optional[float] = None,
) -> Optional[Dict]:
    """The session payload if the cookie is authentic, unexpired and for this user; else None."""
    if not cookie_value or cookie_value.count(".") != 1:
        return None
    body, signature = cookie_value.split(".")
    try:
        body.encode("ascii")
    except UnicodeEncodeError:
        return None
    if not hmac.compare_digest(_sign(secret_key, body), signature):
        return None
    try:
        payload = json.loads(_b64decode(body))
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    current = time.time() if now is None else now
    try:
        if not (payload["iat"] - 60 <= current < payload["exp"]):
            return None
    except (KeyError, TypeError):
        return None
    if payload.get("u") != username or not payload.get("csrf"):
        return None
    if payload.get("pw") != _password_fingerprint(password_hash):
        return None
    return payload


def csrf_ok(session: Optional[Dict], submitted: Optional[str]) -> bool:
    if not session or not submitted:
        return False
    return hmac.compare_digest(str(session.get("csrf", "")).encode(), submitted.encode("utf-8", "replace"))


# --- login rate limiting ---------------------------------------------------------------
class LoginRateLimiter:
    """At most `max_failures` failed logins per `window_seconds` per key (a client address, a username)."""

    MAX_KEYS = 10_000  # beyond this, stale keys are swept, so made-up usernames cannot fill the memory

    def __init__(self, max_failures: int = 5, window_seconds: float = 60.0) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._failures: Dict[str, Deque[float]] = defaultdict(deque)

    def _sweep(self, now: float) -> None:
        for key in list(self._failures):
            self._prune(key, now)

    def _prune(self, key: str, now: float) -> Deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def blocked(self, key: str, now: Optional[float] = None) -> bool:
        now = time.monotonic() if now is None else now
        return len(self._prune(key, now)) >= self.max_failures

    def retry_after(self, key: str, now: Optional[float] = None) -> int:
        now = time.monotonic() if now is None else now
        failures = self._prune(key, now)
        if len(failures) < self.max_failures:
            return 0
        return max(1, int(failures[0] + self.window_seconds - now + 0.999))

    def failed(self, key: str, now: Optional[float] = None) -> None:
        now = time.monotonic() if now is None else now
        if len(self._failures) >= self.MAX_KEYS:
            self._sweep(now)
        self._prune(key, now)
        self._failures[key].append(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)


# --- command line -------------------------------------------------------------------------
def _read_password() -> str:
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Inbox password: ")
        second = getpass.getpass("Again: ")
        if first != second:
            raise SystemExit("The two passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["hash"]:
        print("usage: python -m trainer_inbox.auth hash   (reads the password from the terminal or stdin)")
        return 2
    password = _read_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
