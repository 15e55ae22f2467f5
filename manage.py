"""Command line of the project; `./assistant <command>` runs it in the venv.

run       set up, then run the action server and the Rasa server until Ctrl-C
run --replicas N   (N >= 2, or REPLICAS=N) N Rasa servers behind nginx, with PostgreSQL and Redis
test      set up, then run every test (unit, data validation, story tests, end-to-end)
setup     build the knowledge base and train the model when their inputs changed
train     train the model even if one exists for the current data
build-kb  rebuild the knowledge base
shell     chat in the terminal with the running assistant (needs `run` in another terminal)
config    print the effective configuration
purge     delete records and conversations older than RETENTION_DAYS now (`run` does it daily)
reset-inbox-password   set the trainer's inbox password (asked twice; only its hash is kept)
telegram-webhook <public https URL>   register the Telegram webhook (with the secret)
telegram-webhook --delete             remove it
"""

# (Over 300 lines: one short function or two per command; what `run --replicas` starts is ops/replicas.py.)
from __future__ import annotations

import os

# Before anything imports TensorFlow (spaCy and Rasa do): keep its start-up chatter out of the console.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import signal
import subprocess
import sys
import time

import settings
from ops import build_steps, services


def setup() -> None:
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    settings.LOG_DIR.mkdir(parents=True, exist_ok=True)
    build_steps.ensure_knowledge_base()
    model = build_steps.ensure_model()
    print(f"==> ready: model {model.name}", flush=True)


def run(args=()) -> int:
    try:
        replicas = replicas_option(list(args))
    except ValueError as error:
        print(f"error: {error}\nusage: ./assistant run [--replicas N]", file=sys.stderr)
        return 2
    if replicas >= 2:
        return run_replicas(replicas)
    setup()
    model = build_steps.model_path()
    log_dir = settings.LOG_DIR
    started = time.monotonic()
    running = []
    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\n==> stopping…", flush=True)
        services.stop_all(running)
        print("==> stopped", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        print("==> starting the action server, the Rasa server, the inbox and the website (about a minute)", flush=True)
        actions = services.action_server(settings.ACTION_PORT, log_dir / "actions.log", echo=True).start()
        running.append(actions)
        rasa = services.rasa_server(model, settings.RASA_PORT, log_dir / "rasa.log", echo=True).start()
        running.append(rasa)
        inbox = services.inbox_server(settings.INBOX_PORT, log_dir / "inbox.log", echo=True).start()
        running.append(inbox)
        website = services.website_server(settings.WEBSITE_PORT, log_dir / "website.log", echo=True).start()
        running.append(website)
        inbox.wait_healthy(60)
        website.wait_healthy(60)
        actions.wait_healthy(120)
        rasa.wait_healthy(300)
    except (RuntimeError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        services.stop_all(running)
        return 1
    base = f"http://{settings.HOST}:{settings.RASA_PORT}"
    print(
        f"""
==> the assistant is running (started in {time.monotonic() - started:.0f}s)
    website + chat widget:  {settings.PUBLIC_WEBSITE_URL}/
    trainer's inbox:        {settings.PUBLIC_INBOX_URL}/  {_inbox_login_hint()}
    REST channel:           POST {base}/webhooks/rest/webhook  {{"sender": "me", "message": "hi"}}
    chat here:              ./assistant shell   (in another terminal)
{_channel_lines(base)}
    logs:                   {log_dir}/  (rasa.log, actions.log, inbox.log, website.log)
    Ctrl-C stops everything.
""",
        flush=True,
    )
    watcher = _supervisor(running)
    while True:
        if watcher.check():  # restarts what died; gives up only on repeated fast failures
            services.stop_all(running)
            return 1
        time.sleep(1)


def replicas_option(args) -> int:
    """`--replicas N` (or `--replicas=N`), else REPLICAS; 1 is the usual single-process run (SQLite, no nginx)."""
    value = str(settings.REPLICAS)
    if args[:1] == ["--replicas"] and len(args) == 2:
        value = args[1]
    elif len(args) == 1 and args[0].startswith("--replicas="):
        value = args[0].split("=", 1)[1]
    elif args:
        raise ValueError(f"unknown arguments: {' '.join(args)}")
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"the number of replicas must be a whole number of at least 1, not {value!r}")
    return int(value)


def run_replicas(count: int) -> int:
    """N Rasa servers behind nginx (ops/replicas.py), watched and stopped the way `run` does it."""
    from ops.replicas import Deployment

    setup()
    # PostgreSQL, Redis and nginx from Debian's packages, installed when missing (a fresh machine).
    if subprocess.call(["bash", str(settings.ROOT / "ops" / "ensure_services.sh")]) != 0:
        print("error: the replicated run needs PostgreSQL, Redis and nginx (see above)", file=sys.stderr)
        return 1
    started = time.monotonic()
    deployment = Deployment(count)
    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:  # a second Ctrl-C does not interrupt the stopping
            return
        stopping = True
        print("\n==> stopping…", flush=True)
        deployment.stop()
        print("==> stopped", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        deployment.start()
    except (RuntimeError, TimeoutError, OSError) as error:  # ops.datastores.ServiceUnavailable included
        print(f"error: {error}", file=sys.stderr)
        deployment.stop()
        return 1
    public = deployment.stack.public_url
    print(deployment.summary(time.monotonic() - started, _inbox_login_hint(), _channel_lines(public)), flush=True)
    watcher = _supervisor(deployment.watched())
    while True:
        if watcher.check():
            deployment.stop()
            return 1
        time.sleep(1)


def _supervisor(running):
    """Restarts dead processes (ops/supervisor.py) and retries the trainer's unsent notification emails."""
    from ops.supervisor import Job, RestartPolicy, Supervisor
    from records.notifications import deliver_pending_from_settings

    policy = RestartPolicy(
        max_delay=settings.RESTART_MAX_DELAY_SECONDS,
        stable_after=settings.RESTART_STABLE_AFTER_SECONDS,
        give_up_after=settings.RESTART_GIVE_UP_AFTER,
    )
    return Supervisor(
        running,
        policy=policy,
        say=lambda line: print(line, file=sys.stderr, flush=True),
        jobs=[
            Job("trainer notification emails", settings.NOTIFY_RETRY_SECONDS, deliver_pending_from_settings),
            Job("retention purge", 24 * 3600, purge),
        ],
    )


def _channel_lines(base: str) -> str:
    """Which messaging channels are on (a channel is on when its variables are set)."""
    lines = []
    for name, enabled, variables in (
        ("Telegram", settings.telegram_enabled(), "TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET"),
        (
            "WhatsApp",
            settings.whatsapp_enabled(),
            "WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, WHATSAPP_PHONE_NUMBER_ID",
        ),
    ):
        path = f"/webhooks/{name.lower()}/webhook"
        state = f"on     POST {base}{path}" if enabled else f'off    (set {variables}; README "Channels")'
        lines.append(f"    {name + ':':24}{state}")
    return "\n".join(lines)


def telegram_webhook(args) -> int:
    """setWebhook with the secret Telegram will send back on every call, or deleteWebhook."""
    from connectors.provider_http import ProviderError
    from connectors.telegram_api import TelegramClient

    if not settings.telegram_enabled():
        print('error: set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET first (README "Channels")', file=sys.stderr)
        return 2
    client = TelegramClient(settings.TELEGRAM_API_BASE, settings.TELEGRAM_BOT_TOKEN)
    try:
        if args == ["--delete"]:
            client.delete_webhook()
            print("==> Telegram webhook removed")
            return 0
        if len(args) != 1 or not args[0].startswith("https://"):
            print(
                "usage: ./assistant telegram-webhook https://<public address>[/webhooks/telegram/webhook] | --delete",
                file=sys.stderr,
            )
            return 2
        url = args[0].rstrip("/")
        if not url.endswith("/webhooks/telegram/webhook"):
            url += "/webhooks/telegram/webhook"
        client.set_webhook(url, settings.TELEGRAM_WEBHOOK_SECRET)
    except ProviderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"==> Telegram will send updates to {url}")
    return 0


def _inbox_login_hint() -> str:
    """Where the inbox password is, never the password: consoles are recorded and scrolled back."""
    if settings.INBOX_PASSWORD_HASH:
        return f"(login: {settings.INBOX_USERNAME}, password as configured)"
    generated = settings.VAR_DIR / "secrets" / "inbox_password"
    if generated.is_file():
        return (
            f"(login: {settings.INBOX_USERNAME}, generated password in {generated}; "
            "./assistant reset-inbox-password sets your own)"
        )
    return f"(login: {settings.INBOX_USERNAME})"


def reset_inbox_password() -> int:
    """Ask for the new password twice without echo; keep only its hash in var/secrets/."""
    from trainer_inbox.auth import reset_password

    if settings.INBOX_PASSWORD_HASH:
        print(
            "error: INBOX_PASSWORD_HASH is set (environment or .env) and would override the new password; "
            "remove it first",
            file=sys.stderr,
        )
        return 2
    try:
        path = reset_password(settings.VAR_DIR)
    except (KeyboardInterrupt, EOFError):
        print("\nnothing was changed", file=sys.stderr)
        return 1
    except SystemExit as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    print(f"==> new inbox password saved (its hash only, in {path}); every session ends when the inbox restarts")
    return 0


def purge() -> int:
    """Retention (records/retention.py): everything older than RETENTION_DAYS goes, once."""
    from records.retention import describe, purge_from_settings

    print(f"==> retention ({settings.RETENTION_DAYS} days): {describe(purge_from_settings())}", flush=True)
    return 0


def test(extra_args) -> int:
    setup()
    # The widget's browser tests drive Debian's Chromium; install it when missing (root, apt).
    if subprocess.call(["bash", str(settings.ROOT / "ops" / "ensure_browser.sh")]) != 0:
        print("warning: no Chromium; the browser tests will be skipped (or fail under CI=true)", file=sys.stderr)
    # PostgreSQL, Redis and nginx for the replicated set-up's tests (Debian's packages).
    if subprocess.call(["bash", str(settings.ROOT / "ops" / "ensure_services.sh")]) != 0:
        print(
            "warning: PostgreSQL/Redis/nginx missing; their tests will be skipped (or fail under CI=true)",
            file=sys.stderr,
        )
    env = {**os.environ, **settings.rasa_environment()}
    checks = 0 if extra_args else static_checks()  # a chosen subset of tests skips them
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *(extra_args or ["tests"])]
    return subprocess.call(argv, cwd=settings.ROOT, env=env) or checks


def static_checks() -> int:
    """ruff (lint and format) over the project, mypy over the plain-logic packages (pyproject.toml).

    A failure is reported and makes the test command fail, but the tests still run.
    """
    failed = 0
    for name, argv in (
        ("ruff check", [sys.executable, "-m", "ruff", "check", "."]),
        ("ruff format --check", [sys.executable, "-m", "ruff", "format", "--check", "."]),
        ("mypy", [sys.executable, "-m", "mypy"]),
    ):
        print(f"==> {name}", flush=True)
        if subprocess.call(argv, cwd=settings.ROOT) != 0:
            print(f"error: {name} failed", file=sys.stderr)
            failed = 1
    return failed


def shell() -> int:
    """Rasa's own terminal chat, with the model, endpoints and stores of `run`."""
    setup()
    started = []
    # A closed terminal (SIGHUP) or a kill must still stop the action server started here.
    for signum in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, lambda *_: sys.exit(1))
    try:
        requests_ok = services.is_healthy(f"http://127.0.0.1:{settings.ACTION_PORT}/health")
        if not requests_ok:  # `run` is not running: bring our own action server
            started.append(services.action_server(settings.ACTION_PORT, settings.LOG_DIR / "actions.log").start())
            started[0].wait_healthy(120)
        argv = [
            sys.executable,
            "-m",
            "bot.serve",
            "shell",
            "--model",
            str(build_steps.model_path()),
            "--endpoints",
            "endpoints.yml",
            "--port",
            str(settings.RASA_PORT + 1),
        ]
        env = {**os.environ, **settings.rasa_environment(), "PYTHONPATH": str(settings.ROOT)}
        return subprocess.call(argv, cwd=settings.ROOT, env=env)
    finally:
        services.stop_all(started)


def main(argv) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if command == "run":
        return run(rest)
    if command == "test":
        return test(rest)
    if command == "setup":
        setup()
        return 0
    if command == "train":
        build_steps.ensure_model(force=True)
        return 0
    if command == "build-kb":
        build_steps.ensure_knowledge_base(force=True)
        return 0
    if command == "shell":
        return shell()
    if command == "telegram-webhook":
        return telegram_webhook(rest)
    if command == "reset-inbox-password":
        return reset_inbox_password()
    if command == "purge":
        return purge()
    if command == "config":
        for name, value, description in settings.describe():
            print(f"{name:22} {value}\n{'':22} {description}")
        return 0
    print(__doc__)
    return 0 if command in {"help", "-h", "--help"} else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
