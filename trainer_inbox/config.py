"""The inbox's settings: where its databases and Rasa are, the trainer's login, and its limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from trainer_inbox import auth


@dataclass
class InboxConfig:
    app_db_url: str
    tracker_store_url: str
    rasa_url: str
    rasa_jwt_secret: str  # signs the inbox's short-lived tokens for Rasa's API (rasa_client.py)
    password_hash: str
    secret_key: str
    username: str = "trainer"
    host: str = "127.0.0.1"
    port: int = 5080
    trainer_name: str = "the movement specialist"
    var_dir: Optional[Path] = None
    safety_journal: Optional[Path] = None  # red flags the action server could not save (records/safety.py)
    session_ttl_seconds: int = auth.SESSION_TTL_SECONDS
    secure_cookies: bool = False  # set the Secure flag (when served over https)
    trust_proxy: bool = False  # believe X-Forwarded-Proto / X-Forwarded-For (behind a reverse proxy only)
    login_max_failures: int = 5  # per client address and per username, in the window
    login_window_seconds: float = 15 * 60.0
    rasa_timeout: float = 10.0
    poll_interval_ms: int = 3000
    page_size: int = 50  # items per page of each list (INBOX_PAGE_SIZE)
    generated_password: Optional[str] = field(default=None, repr=False)  # set when just generated

    @classmethod
    def from_settings(cls) -> "InboxConfig":
        import settings

        password_hash, generated = auth.ensure_password(settings.VAR_DIR, settings.INBOX_PASSWORD_HASH)
        return cls(
            app_db_url=settings.APP_DB_URL,
            tracker_store_url=settings.TRACKER_STORE_URL,
            rasa_url=settings.RASA_URL,
            rasa_jwt_secret=settings.RASA_JWT_SECRET,
            password_hash=password_hash,
            secret_key=settings.INBOX_SECRET_KEY,
            username=settings.INBOX_USERNAME,
            host=settings.HOST,
            port=settings.INBOX_PORT,
            trainer_name=settings.TRAINER_NAME,
            var_dir=settings.VAR_DIR,
            safety_journal=settings.SAFETY_JOURNAL,
            secure_cookies=settings.PUBLIC_INBOX_URL.lower().startswith("https://"),
            trust_proxy=settings.INBOX_TRUST_PROXY,
            login_max_failures=settings.INBOX_LOGIN_MAX_FAILURES,
            login_window_seconds=settings.INBOX_LOGIN_WINDOW_MINUTES * 60,
            page_size=settings.INBOX_PAGE_SIZE,
            generated_password=generated,
        )
