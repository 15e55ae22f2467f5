"""Fixtures for the headless-browser tests of the website chat widget.

`browser` (one per test module): Debian's Chromium (installed by
ops/ensure_browser.sh), driven by Playwright without any browser download. Missing Chromium (or Playwright) skips
the browser tests on a developer's machine, with the reason, but fails them in
CI (CI=true), where a skipped browser test would hide a broken install step.

`website`: the demo website + widget server (`python -m website_widget.server`),
started the way a user starts it, on a free port, pointing the widget at the
`assistant` fixture's real Rasa server (a different port: a cross-origin page).

Use them with `from tests.browser_support import browser, browser_required,
page_factory, website` in a test module (`browser_required` is autouse there).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, List, Optional

import pytest

import settings
from ops import services
from tests.conftest import free_port

TRAINER = "Sam Carter"
RESULTS_DIR = settings.ROOT / "results"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def chromium_path() -> Optional[str]:
    candidate = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return candidate if candidate and os.access(candidate, os.X_OK) else None


def unavailable_reason() -> Optional[str]:
    """Why the browser tests can't run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (it is in requirements.txt)"
    if chromium_path() is None:
        return "Chromium is not installed (/usr/bin/chromium)"
    return None


def skip_unless_browser():
    """A module's pytestmark: skip (before starting any server) when there is no browser, except in CI."""
    reason = unavailable_reason()
    return pytest.mark.skipif(
        reason is not None and not in_ci(), reason=f"{reason}; run ops/ensure_browser.sh to install it"
    )


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"{reason} (CI must run the browser tests: call ops/ensure_browser.sh first)", pytrace=False)
    pytest.skip(f"{reason}; run ops/ensure_browser.sh to install it")


@pytest.fixture(scope="session", autouse=True)
def browser_required() -> None:
    """Autouse in a module that imports it: decides skip/fail before any server is started."""
    reason = unavailable_reason()
    if reason:
        _unavailable(reason)


@pytest.fixture(scope="module")
def browser(browser_required):
    # Module-scoped, not session-scoped: while Playwright's sync API is running it
    # keeps an asyncio loop marked as running on the main thread, so any later test
    # that calls asyncio.run() (the inbox and benchmark tests do) would fail.
    # Launching Chromium takes about a second.
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Website:
    url: str
    rasa_url: str
    trainer: str
    log_path: Path


@pytest.fixture(scope="session")
def website(assistant) -> Iterator[Website]:
    port = free_port()
    log_path = Path(assistant.log_dir) / "website.log"
    server = services.Service(
        name="website",
        argv=[
            services.PYTHON,
            "-m",
            "website_widget.server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--rasa-url",
            assistant.url,
            "--trainer-name",
            TRAINER,
        ],
        health_url=f"http://127.0.0.1:{port}/health",
        log_path=log_path,
        env=assistant.env,  # the same database: calendar-invite links work
    ).start()
    try:
        server.wait_healthy(60)
        yield Website(f"http://127.0.0.1:{port}/", assistant.url, TRAINER, log_path)
    finally:
        server.stop()


@dataclass
class BrowserPage:
    """A page in its own browser context (its own localStorage), with its console errors."""

    page: object
    context: object
    errors: List[str]


@pytest.fixture
def page_factory(browser) -> Iterator[Callable[..., BrowserPage]]:
    contexts = []

    def make(viewport=None, **options) -> BrowserPage:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800}, **options)
        contexts.append(context)
        page = context.new_page()
        errors: List[str] = []
        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                errors.append(f"console {message.type}: {message.text}") if message.type == "error" else None
            ),
        )
        return BrowserPage(page, context, errors)

    yield make
    for context in contexts:
        context.close()
