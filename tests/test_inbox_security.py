"""The inbox's defences over HTTP: cookie flags behind https, no CORS, login limits, passwords kept out of output.

The inbox runs against the fake Rasa (tests/test_inbox_fakes.py); the password
command is tested through its function and manage.py's dispatch.
"""

from __future__ import annotations

import re
import stat

import pytest

import manage
from tests.test_inbox_fakes import (  # noqa: F401  (fixtures)
    PASSWORD,
    USERNAME,
    fake_rasa,
    inbox,
    loop_thread,
    start_inbox,
)
from trainer_inbox import auth


def attempt(client, url, password, username=USERNAME, headers=None):
    page = client.get(url + "/login", headers=headers or {})
    token = re.search(r'name="login_csrf" value="([^"]*)"', page.text).group(1)
    return client.post(
        url + "/login",
        data={"username": username, "password": password, "login_csrf": token},
        headers=headers or {},
        # sent by hand: a client keeps a Secure cookie for https only, and the test speaks http
        cookies={"inbox_login_csrf": page.cookies.get("inbox_login_csrf", "")},
        allow_redirects=False,
    )


def session_cookie(response) -> str:
    return next(h for h in response.raw.headers.getlist("Set-Cookie") if h.startswith(auth.SESSION_COOKIE + "="))


# --- cookies -------------------------------------------------------------------------------------
def test_cookies_are_secure_when_the_inbox_is_public_over_https(start_inbox):
    inbox = start_inbox(secure_cookies=True)  # PUBLIC_INBOX_URL=https://...
    response = attempt(inbox.client(), inbox.url, PASSWORD)
    header = session_cookie(response)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_a_proxys_https_header_counts_only_when_trusted(start_inbox):
    https = {"X-Forwarded-Proto": "https"}
    untrusted = start_inbox()
    assert "Secure" not in session_cookie(attempt(untrusted.client(), untrusted.url, PASSWORD, headers=https))
    trusted = start_inbox(trust_proxy=True)
    assert "Secure" in session_cookie(attempt(trusted.client(), trusted.url, PASSWORD, headers=https))
    assert "Secure" not in session_cookie(attempt(trusted.client(), trusted.url, PASSWORD))  # plain http behind it


# --- CORS ------------------------------------------------------------------------------------------------
def test_no_cors_headers_for_another_site(inbox):
    session = inbox.login()
    origin = {"Origin": "https://evil.example"}
    for response in (
        session.get(inbox.url + "/", headers=origin),
        session.get(inbox.url + "/conversations/conv-1/messages.json", headers=origin),
        session.options(inbox.url + "/", headers={**origin, "Access-Control-Request-Method": "POST"}),
        session.get(inbox.url + "/health", headers=origin),
    ):
        assert not [h for h in response.headers if h.lower().startswith("access-control-")], response.headers


# --- login limits -------------------------------------------------------------------------------------------
def test_five_failures_block_the_address_for_fifteen_minutes(inbox):
    assert inbox.config.login_max_failures == 5 and inbox.config.login_window_seconds == 15 * 60
    client = inbox.client()
    for _ in range(5):
        assert attempt(client, inbox.url, "wrong").status_code == 401
    blocked = attempt(client, inbox.url, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed login attempts. Try again in 15 minutes." in blocked.text
    assert 14 * 60 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert auth.SESSION_COOKIE not in blocked.cookies


def test_failures_for_one_username_from_many_addresses_block_that_username(start_inbox):
    inbox = start_inbox(trust_proxy=True)  # lets the test speak from several addresses
    for number in range(5):
        address = {"X-Forwarded-For": f"203.0.113.{number}"}
        assert attempt(inbox.client(), inbox.url, "wrong", headers=address).status_code == 401
    elsewhere = {"X-Forwarded-For": "198.51.100.7"}
    assert attempt(inbox.client(), inbox.url, PASSWORD, headers=elsewhere).status_code == 429
    # Another username from a fresh address is not affected (and cannot log in either).
    assert attempt(inbox.client(), inbox.url, "wrong", username="someone", headers=elsewhere).status_code == 401


def test_a_success_resets_the_count(inbox):
    client = inbox.client()
    for _ in range(4):
        assert attempt(client, inbox.url, "wrong").status_code == 401
    assert attempt(client, inbox.url, PASSWORD).status_code == 303
    for _ in range(4):
        assert attempt(inbox.client(), inbox.url, "wrong").status_code == 401
    assert attempt(inbox.client(), inbox.url, PASSWORD).status_code == 303


def test_limiter_forgets_stale_keys_when_full():
    limiter = auth.LoginRateLimiter(max_failures=5, window_seconds=60)
    limiter.MAX_KEYS = 100
    for number in range(100):
        limiter.failed(f"user:made-up-{number}", now=0)
    limiter.failed("user:trainer", now=120)
    assert len(limiter._failures) == 1


def test_login_logs_no_username_or_password(inbox, caplog):
    caplog.set_level("INFO", logger="trainer_inbox")
    attempt(inbox.client(), inbox.url, "hunter2-wrong", username="hunter2-as-username")
    attempt(inbox.client(), inbox.url, PASSWORD)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "failed login from 127.0.0.1" in logged and "login from 127.0.0.1" in logged
    for secret in ("hunter2", PASSWORD):
        assert secret not in logged


# --- the password command -----------------------------------------------------------------------------------
def answers(*values):
    given = iter(values)
    return lambda prompt: next(given)


def test_reset_password_keeps_only_the_hash(tmp_path, capsys):
    encoded, generated = auth.ensure_password(tmp_path)  # a first start generated one
    assert generated
    path = auth.reset_password(tmp_path, ask=answers("a brand new password", "a brand new password"))
    stored = path.read_text().strip()
    assert path == tmp_path / "secrets" / auth.PASSWORD_HASH_FILE
    assert stored != encoded and auth.verify_password("a brand new password", stored)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (tmp_path / "secrets" / auth.PASSWORD_FILE).exists()  # the generated one is forgotten
    assert [p.name for p in (tmp_path / "secrets").iterdir()] == [auth.PASSWORD_HASH_FILE]
    assert auth.ensure_password(tmp_path) == (stored, None)
    out = capsys.readouterr()
    assert "a brand new password" not in out.out + out.err and stored not in out.out + out.err


@pytest.mark.parametrize(
    "first, second, reason",
    [
        ("short", "short", "at least 10"),
        ("a long password one", "a long password two", "differ"),
    ],
)
def test_reset_password_refusals_change_nothing(tmp_path, first, second, reason):
    encoded, _ = auth.ensure_password(tmp_path)
    with pytest.raises(SystemExit, match=reason):
        auth.reset_password(tmp_path, ask=answers(first, second))
    assert auth.ensure_password(tmp_path) == (encoded, None)


def test_manage_command_asks_twice_and_prints_neither_password_nor_hash(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(manage.settings, "VAR_DIR", tmp_path)
    monkeypatch.setattr(manage.settings, "INBOX_PASSWORD_HASH", "")
    prompts = []

    def fake_getpass(prompt):
        prompts.append(prompt)
        return "correct horse battery staple"

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    assert manage.main(["reset-inbox-password"]) == 0
    assert len(prompts) == 2
    stored = (tmp_path / "secrets" / auth.PASSWORD_HASH_FILE).read_text().strip()
    out = capsys.readouterr()
    printed = out.out + out.err
    assert "new inbox password saved" in printed
    assert "correct horse" not in printed and stored not in printed and "pbkdf2" not in printed


def test_manage_command_refuses_while_a_hash_is_configured(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(manage.settings, "VAR_DIR", tmp_path)
    monkeypatch.setattr(manage.settings, "INBOX_PASSWORD_HASH", auth.hash_password("x" * 12, iterations=1000))
    assert manage.main(["reset-inbox-password"]) == 2
    assert "INBOX_PASSWORD_HASH" in capsys.readouterr().err
    assert not (tmp_path / "secrets").exists()


def test_run_hint_names_the_file_not_the_password(tmp_path, monkeypatch):
    monkeypatch.setattr(manage.settings, "VAR_DIR", tmp_path)
    monkeypatch.setattr(manage.settings, "INBOX_PASSWORD_HASH", "")
    _, generated = auth.ensure_password(tmp_path)
    hint = manage._inbox_login_hint()
    assert generated not in hint and str(tmp_path / "secrets" / "inbox_password") in hint


def test_inbox_start_up_output_names_the_file_not_the_password(tmp_path, monkeypatch, capsys):
    from tests.test_inbox_fakes import make_config
    from trainer_inbox import app

    config = make_config(tmp_path, "http://127.0.0.1:9", generated_password="generated-secret-pw")
    monkeypatch.setattr(app.InboxConfig, "from_settings", classmethod(lambda cls: config))
    monkeypatch.setattr(app.web, "run_app", lambda *args, **kwargs: None)
    app.main()
    out = capsys.readouterr().out
    assert "generated-secret-pw" not in out and "reset-inbox-password" in out
