"""All configuration in one place, read from the environment.

Every setting has a documented default that runs the whole assistant on one
machine with SQLite and no keys. Values can also come from an untracked `.env`
file at the repository root (KEY=value lines); real environment variables win.
`python settings.py` prints the effective configuration (secrets masked).

(Over 300 lines on purpose: one place for every setting, each with its default and
description, grouped by the README section that explains it.)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent
VAR_DIR = ROOT / "var"  # runtime state: SQLite files, generated secrets (untracked)
LOG_DIR = ROOT / "logs"

_DOCUMENTED: List[Tuple[str, str, bool]] = []  # (name, description, secret)


def _load_dotenv(path: Path) -> None:
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


_load_dotenv(ROOT / ".env")


def _env(name: str, default: str, description: str, secret: bool = False) -> str:
    _DOCUMENTED.append((name, description, secret))
    return os.environ.get(name, default)


def _generated_secret(name: str, description: str) -> str:
    """A secret from the environment, or one generated once and kept in var/.

    Generated secrets make the defaults safe (no well-known token) without
    asking a first-time user to configure anything.
    """
    _DOCUMENTED.append((name, description, True))
    if os.environ.get(name):
        return os.environ[name]
    store = VAR_DIR / "secrets"
    store.mkdir(parents=True, exist_ok=True)
    path = store / name.lower()
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


HOST = _env("ASSISTANT_HOST", "127.0.0.1", "Interface the servers listen on.")
RASA_PORT = int(_env("RASA_PORT", "5005", "Port of the Rasa server (channels and HTTP API)."))
ACTION_PORT = int(_env("ACTION_PORT", "5055", "Port of the custom action server."))
ACTION_SERVER_HOST = _env(
    "ACTION_SERVER_HOST", "127.0.0.1", "Interface the action server listens on (0.0.0.0 only behind a firewall)."
)
ACTION_ENDPOINT_URL = _env(
    "ACTION_ENDPOINT_URL",
    f"http://127.0.0.1:{ACTION_PORT}/webhook",
    "Where the Rasa server calls custom actions.",
)
TRACKER_STORE_URL = _env(
    "TRACKER_STORE_URL",
    f"sqlite:///{VAR_DIR / 'tracker.db'}",
    "SQLAlchemy URL of Rasa's conversation store; e.g. postgresql://user:pw@host/db.",
)
LOCK_STORE_URL = _env(
    "LOCK_STORE_URL",
    "",
    "Empty: in-process locks (one Rasa server). redis://host:6379/1 for several replicas.",
)
KNOWLEDGE_DB_URL = _env(
    "KNOWLEDGE_DB_URL",
    f"sqlite:///{ROOT / 'knowledge' / 'knowledge.db'}",
    "SQLAlchemy URL of the knowledge base built from the article(s).",
)
KNOWLEDGE_SOURCES = Path(
    _env("KNOWLEDGE_SOURCES", str(ROOT / "knowledge" / "sources"), "Folder of source articles (.txt/.md).")
)
APP_DB_URL = _env(
    "APP_DB_URL",
    f"sqlite:///{VAR_DIR / 'assistant.db'}",
    "SQLAlchemy URL for the assistant's own records (intake, consent, bookings).",
)
SAFETY_JOURNAL = Path(
    _env(
        "SAFETY_JOURNAL",
        str(VAR_DIR / "unsaved_safety_records.jsonl"),
        "File where a red flag that could not be saved to APP_DB_URL is written (the inbox shows it).",
    )
)
RETENTION_DAYS = int(
    _env(
        "RETENTION_DAYS",
        "365",
        "Records and conversations older than this many days are deleted (daily while `run` runs; `./assistant purge`).",
    )
)
TRAINER_NAME = _env("TRAINER_NAME", "the movement specialist", "How the assistant refers to the trainer.")
TRAINER_CONTACT = _env(
    "TRAINER_CONTACT",
    "the contact form on the trainer's website",
    "Where people can reach the trainer to book (shown after a consultation).",
)
MODEL_DIR = Path(_env("MODEL_DIR", str(ROOT / "bot" / "models"), "Folder of trained Rasa models."))
# Off switch for bot/rasa_speedups.py, e.g. to rule them out when Rasa misbehaves;
# they are applied only on the Rasa version they were written for in any case.
RASA_SPEEDUPS = _env(
    "RASA_SPEEDUPS",
    "on",
    "Faster replacements of Rasa internals in the Rasa server (bot/rasa_speedups.py); 0/off/false: Rasa's own code.",
).strip().lower() not in {"0", "off", "false"}
ACTION_SERVER_TOKEN = _generated_secret(
    "ACTION_SERVER_TOKEN", "Token Rasa presents to the action server; other callers get 401."
)
RASA_API_TOKEN = _generated_secret(
    "RASA_API_TOKEN", "Token protecting Rasa's HTTP API (used by the inbox to send replies)."
)

# --- booking -----------------------------------------------------------------
AVAILABILITY_FILE = Path(
    _env(
        "AVAILABILITY_FILE",
        str(ROOT / "booking" / "availability.yml"),
        "The trainer's bookable hours, time zone, session length, buffer, horizon and blocked dates.",
    )
)
TRAINER_EMAIL = _env(
    "TRAINER_EMAIL", "", "Where new-booking and handoff emails go (needs SMTP_HOST); empty: inbox only."
)
SMTP_HOST = _env("SMTP_HOST", "", "SMTP server for the trainer's booking and handoff emails; empty: no email is sent.")
SMTP_PORT = int(_env("SMTP_PORT", "587", "SMTP port."))
SMTP_USERNAME = _env("SMTP_USERNAME", "", "SMTP login (optional).")
SMTP_PASSWORD = _env("SMTP_PASSWORD", "", "SMTP password (optional).", secret=True)
SMTP_STARTTLS = _env("SMTP_STARTTLS", "true", "Use STARTTLS (true/false); false for a local relay.").lower() == "true"
SMTP_FROM = _env("SMTP_FROM", "assistant@localhost", "Sender address of booking emails.")

# --- trainer's inbox and the website ------------------------------------------------
INBOX_PORT = int(_env("INBOX_PORT", "5080", "Port of the trainer's inbox web app."))
INBOX_USERNAME = _env("INBOX_USERNAME", "trainer", "Login name of the trainer's inbox.")
INBOX_PASSWORD_HASH = _env(
    "INBOX_PASSWORD_HASH",
    "",
    "pbkdf2_sha256$iterations$salt$hash of the inbox password; overrides var/secrets/inbox_password_hash. "
    "Empty: `./assistant reset-inbox-password` sets one, else one is generated once into var/secrets/.",
    secret=True,
)
INBOX_SECRET_KEY = _generated_secret("INBOX_SECRET_KEY", "Key that signs the inbox's session cookies.")
INBOX_PAGE_SIZE = int(
    _env(
        "INBOX_PAGE_SIZE", "50", "Items per page of each list in the trainer's inbox (1-500; ?<list>_page=N pages on)."
    )
)
TRAINER_HOURS = _env(
    "TRAINER_HOURS",
    "within a working day (Mon-Fri, 9:00-17:00)",
    "When the trainer typically replies, told at handoff.",
)
HANDOFF_AFTER_FAILURES = int(
    _env(
        "HANDOFF_AFTER_FAILURES",
        "3",
        "Offer a human after this many messages in a row the assistant didn't understand.",
    )
)
WEBSITE_PORT = int(_env("WEBSITE_PORT", "8080", "Port of the demo trainer website that embeds the chat widget."))
PUBLIC_RASA_URL = _env(
    "PUBLIC_RASA_URL",
    f"http://{HOST}:{RASA_PORT}",
    "Address of the Rasa server as the browser sees it (the widget's socket.io endpoint).",
)
PUBLIC_WEBSITE_URL = _env(
    "PUBLIC_WEBSITE_URL",
    f"http://{HOST}:{WEBSITE_PORT}",
    "Address of the website server as people see it (calendar-invite links point here).",
)
PUBLIC_INBOX_URL = _env(
    "PUBLIC_INBOX_URL", f"http://{HOST}:{INBOX_PORT}", "Address of the inbox as the trainer sees it."
)
RASA_URL = _env("RASA_URL", f"http://127.0.0.1:{RASA_PORT}", "Where the inbox reaches Rasa's HTTP API.")
MESSAGES_PER_MINUTE = int(
    _env(
        "MESSAGES_PER_MINUTE",
        "20",
        "Messages one conversation may send per minute on any channel; more get a 'slow down'.",
    )
)
MESSAGES_PER_MINUTE_PER_ADDRESS = int(
    _env(
        "MESSAGES_PER_MINUTE_PER_ADDRESS",
        "120",
        "Messages one client address (IP) may send per minute, all conversations.",
    )
)
MAX_OPEN_BOOKINGS_PER_CONVERSATION = int(
    _env(
        "MAX_OPEN_BOOKINGS_PER_CONVERSATION",
        "3",
        "Upcoming (confirmed, not ended) bookings one conversation may hold; 0: no limit.",
    )
)


# --- security and logs (README "Security and data") ---------------------------------
def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, as browsers send it in the Origin header."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.lower()}://{rest.split('/', 1)[0].lower()}" if rest else ""


SITE_ORIGINS = _env(
    "SITE_ORIGINS",
    origin_of(PUBLIC_WEBSITE_URL),
    "Web origins (space- or comma-separated) allowed to call Rasa from a browser (CORS); "
    "default: the origin of PUBLIC_WEBSITE_URL. The widget's websocket needs no CORS.",
)
RASA_JWT_SECRET = _generated_secret(
    "RASA_JWT_SECRET", "Key that signs the short-lived tokens (JWT, HS256) the inbox shows Rasa's HTTP API."
)
REST_CHANNEL_OPEN = _env(
    "REST_CHANNEL_OPEN",
    "false",
    "true: the REST channel (any sender id) takes messages from anyone; default: only with RASA_API_TOKEN "
    "or from this machine without a proxy in between (a developer channel).",
).strip().lower() in {"1", "true", "yes", "on"}
INBOX_TRUST_PROXY = _env(
    "INBOX_TRUST_PROXY",
    "false",
    "true only behind a reverse proxy: trust its X-Forwarded-Proto (https: Secure cookies) and "
    "X-Forwarded-For (login limits per address).",
).strip().lower() in {"1", "true", "yes", "on"}
INBOX_LOGIN_MAX_FAILURES = int(
    _env(
        "INBOX_LOGIN_MAX_FAILURES",
        "5",
        "Failed inbox logins allowed per client address and per username in the window.",
    )
)
INBOX_LOGIN_WINDOW_MINUTES = float(
    _env(
        "INBOX_LOGIN_WINDOW_MINUTES", "15", "Window of INBOX_LOGIN_MAX_FAILURES; more failures get 429 until it passes."
    )
)
LOG_MAX_BYTES = int(_env("LOG_MAX_BYTES", str(10 * 1024 * 1024), "Size at which a logs/*.log file is rotated."))
LOG_BACKUPS = int(_env("LOG_BACKUPS", "5", "Rotated copies kept per log (rasa.log.1 ... rasa.log.N)."))

# --- fault tolerance (README "Fault tolerance") --------------------------------------
RESTART_MAX_DELAY_SECONDS = float(
    _env(
        "RESTART_MAX_DELAY_SECONDS",
        "60",
        "Longest pause before `run` starts a process that died again (1, 2, 4 ... s).",
    )
)
RESTART_STABLE_AFTER_SECONDS = float(
    _env("RESTART_STABLE_AFTER_SECONDS", "300", "A restarted process up this long has its earlier failures forgotten.")
)
RESTART_GIVE_UP_AFTER = int(
    _env(
        "RESTART_GIVE_UP_AFTER",
        "6",
        "Failures in a row, each sooner than the above, after which `run` stops everything.",
    )
)
ACTION_TIMEOUT_SECONDS = float(
    _env(
        "ACTION_TIMEOUT_SECONDS",
        "30",
        "Longest wait for one custom action; then the person hears the assistant is in trouble.",
    )
)
SQLITE_BUSY_TIMEOUT_SECONDS = float(
    _env("SQLITE_BUSY_TIMEOUT_SECONDS", "30", "How long a SQLite write waits for another writer before failing.")
)
NOTIFY_RETRY_SECONDS = float(
    _env(
        "NOTIFY_RETRY_SECONDS",
        "60",
        "How often `run` retries the trainer's notification emails that could not be sent.",
    )
)

# Messaging channels: each is on only when its variables are set (README "Channels").
TELEGRAM_BOT_TOKEN = _env(
    "TELEGRAM_BOT_TOKEN", "", "Telegram bot token from BotFather; unset: no Telegram.", secret=True
)
TELEGRAM_WEBHOOK_SECRET = _env(
    "TELEGRAM_WEBHOOK_SECRET",
    "",
    "Secret Telegram sends with every webhook call (setWebhook secret_token).",
    secret=True,
)
TELEGRAM_API_BASE = _env(
    "TELEGRAM_API_BASE", "https://api.telegram.org", "Telegram Bot API address (tests: a local stand-in)."
)
WHATSAPP_ACCESS_TOKEN = _env(
    "WHATSAPP_ACCESS_TOKEN", "", "WhatsApp Cloud API access token; unset: no WhatsApp.", secret=True
)
WHATSAPP_APP_SECRET = _env("WHATSAPP_APP_SECRET", "", "Meta app secret that signs webhook calls.", secret=True)
WHATSAPP_VERIFY_TOKEN = _env(
    "WHATSAPP_VERIFY_TOKEN", "", "Token Meta echoes when the webhook is verified.", secret=True
)
WHATSAPP_PHONE_NUMBER_ID = _env("WHATSAPP_PHONE_NUMBER_ID", "", "The WhatsApp business phone number's id.")
WHATSAPP_API_BASE = _env(
    "WHATSAPP_API_BASE", "https://graph.facebook.com/v21.0", "WhatsApp Cloud API address (tests: a local stand-in)."
)
WHATSAPP_TEMPLATE_NAME = _env(
    "WHATSAPP_TEMPLATE_NAME", "", "Approved template for messages sent more than 24 hours after the person's last one."
)
WHATSAPP_TEMPLATE_LANGUAGE = _env("WHATSAPP_TEMPLATE_LANGUAGE", "en_GB", "Language code of that template.")
CONVERSATION_ID_KEY = _generated_secret(
    "CONVERSATION_ID_KEY", "Key that turns a Telegram chat id or phone number into a conversation id."
)


# --- several replicas (`./assistant run --replicas N`, ops/replicas.py) ----------------------
REPLICAS = int(
    _env(
        "REPLICAS",
        "1",
        "Rasa servers `run` starts (also `run --replicas N`). 1: one process of each, SQLite. 2 or more: "
        "PostgreSQL, Redis and nginx in front (throwaway ones where the stores' URLs name no such server).",
    )
)
ACTION_SERVERS = int(
    _env(
        "ACTION_SERVERS",
        "2",
        "Action servers of the replicated run (REPLICAS >= 2); the replicas call them round-robin through nginx.",
    )
)
PUBLIC_PORT = int(
    _env(
        "PUBLIC_PORT",
        "8080",
        "Replicated run: nginx's public port on ASSISTANT_HOST (website, widget, webhooks, Rasa's HTTP API).",
    )
)
PUBLIC_INBOX_PORT = int(
    _env("PUBLIC_INBOX_PORT", "8081", "Replicated run: nginx's port for the trainer's inbox on ASSISTANT_HOST.")
)
SOCKETIO_REDIS_URL = _env(
    "SOCKETIO_REDIS_URL",
    "",
    "Redis the widget channel's socket.io servers share (a reply any replica sends reaches a browser on "
    "another); empty: one server. The replicated run sets it to LOCK_STORE_URL.",
)


def telegram_enabled() -> bool:
    return bool(TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET)


def whatsapp_enabled() -> bool:
    return bool(WHATSAPP_ACCESS_TOKEN and WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN and WHATSAPP_PHONE_NUMBER_ID)


def rasa_environment() -> Dict[str, str]:
    """Variables the Rasa processes need (endpoints.yml reads some of them)."""
    return {
        "ACTION_ENDPOINT_URL": ACTION_ENDPOINT_URL,
        "ACTION_SERVER_HOST": ACTION_SERVER_HOST,
        "ACTION_SERVER_TOKEN": ACTION_SERVER_TOKEN,
        "TRACKER_STORE_URL": TRACKER_STORE_URL,
        "LOCK_STORE_URL": LOCK_STORE_URL,
        "KNOWLEDGE_DB_URL": KNOWLEDGE_DB_URL,
        "APP_DB_URL": APP_DB_URL,
        "SAFETY_JOURNAL": str(SAFETY_JOURNAL),
        "RETENTION_DAYS": str(RETENTION_DAYS),
        "TRAINER_NAME": TRAINER_NAME,
        "TRAINER_CONTACT": TRAINER_CONTACT,
        "RASA_API_TOKEN": RASA_API_TOKEN,
        "AVAILABILITY_FILE": str(AVAILABILITY_FILE),
        "TRAINER_HOURS": TRAINER_HOURS,
        "HANDOFF_AFTER_FAILURES": str(HANDOFF_AFTER_FAILURES),
        "PUBLIC_INBOX_URL": PUBLIC_INBOX_URL,
        "PUBLIC_WEBSITE_URL": PUBLIC_WEBSITE_URL,
        "TRAINER_EMAIL": TRAINER_EMAIL,
        "SMTP_HOST": SMTP_HOST,
        "SMTP_PORT": str(SMTP_PORT),
        "SMTP_USERNAME": SMTP_USERNAME,
        "SMTP_PASSWORD": SMTP_PASSWORD,
        "SMTP_STARTTLS": "true" if SMTP_STARTTLS else "false",
        "SMTP_FROM": SMTP_FROM,
        "MESSAGES_PER_MINUTE": str(MESSAGES_PER_MINUTE),
        "MESSAGES_PER_MINUTE_PER_ADDRESS": str(MESSAGES_PER_MINUTE_PER_ADDRESS),
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_WEBHOOK_SECRET,
        "TELEGRAM_API_BASE": TELEGRAM_API_BASE,
        "WHATSAPP_ACCESS_TOKEN": WHATSAPP_ACCESS_TOKEN,
        "WHATSAPP_APP_SECRET": WHATSAPP_APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": WHATSAPP_VERIFY_TOKEN,
        "WHATSAPP_PHONE_NUMBER_ID": WHATSAPP_PHONE_NUMBER_ID,
        "WHATSAPP_API_BASE": WHATSAPP_API_BASE,
        "WHATSAPP_TEMPLATE_NAME": WHATSAPP_TEMPLATE_NAME,
        "WHATSAPP_TEMPLATE_LANGUAGE": WHATSAPP_TEMPLATE_LANGUAGE,
        "CONVERSATION_ID_KEY": CONVERSATION_ID_KEY,
        # Rasa phones home by default; nothing leaves this machine.
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def describe() -> List[Tuple[str, str, str]]:
    """(name, effective value, description) with secrets masked."""
    values = globals()
    rows = []
    for name, description, secret in _DOCUMENTED:
        value = os.environ.get(name, str(values.get(name, "")))
        rows.append((name, "********" if secret and value else value, description))
    return rows


if __name__ == "__main__":
    for name, value, description in describe():
        print(f"{name:22} {value}\n{'':22} {description}")
