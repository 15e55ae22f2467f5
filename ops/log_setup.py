"""Logs without secrets or people's words, in files of bounded size.

`install_redaction()` is called at start-up by every process of ours (bot/serve.py
for Rasa, bot/action_server.py, the inbox). From then on every log record is
redacted as it is created: tokens and keys (the configured values, and shapes
such as `token=...`, `Bearer ...`, Telegram's `/bot<id>:<token>`), e-mail
addresses, phone numbers, and what people and the bot said (`"text": ...` and
slot values in the tracker dumps Rasa logs when an action fails).

`RotatingFile` is where ops/services.py writes each service's output
(logs/rasa.log, ...), redacted once more line by line: that pipe also carries
what never goes through `logging` (prints, uncaught tracebacks, warnings), and
with one writer per file, rotating there is safe where several handlers
rotating the same file from different processes would not be.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import BinaryIO, Dict, Iterable, List, Optional

REDACTED = "[redacted]"

# Keys whose string values are never logged: secrets, and what people wrote or were told.
# Repeats are bounded ({0,40}, {1,64}) so a long unbroken blob cannot make a pattern quadratic.
_SECRET_KEYS = r"[\w-]{0,40}(?:token|secret|password|passwd|api[_-]?key|authorization|signature)[\w-]{0,40}"
_PERSONAL_KEYS = r"text|value|message|[\w-]{0,40}(?:email|phone|contact)[\w-]{0,40}|(?:booking|person|first|last|full|display|user)_?name"
_QUOTED_VALUE = re.compile(
    r"""(?P<key>(?P<q>["'])(?:%s|%s)(?P=q)\s*:\s*)(?:"(?:[^"\\\n]|\\.)*(?:"|$)|'(?:[^'\\\n]|\\.)*(?:'|$))"""
    % (_SECRET_KEYS, _PERSONAL_KEYS),
    re.IGNORECASE | re.MULTILINE,
)
# Rasa's event reprs in its debug lines: UserUttered(text: ..., intent: ...), BotUttered('...', {...}).
_EVENT_TEXT = re.compile(
    r"(?P<key>(?:User|Bot|Agent)Uttered\((?:text: )?'?).*?(?='?, (?:intent|data|entities|use_text_for)\b|'?, \{)"
)
_ENTITY_VALUE = re.compile(r"(?P<key>entities: |\), )[^,()]*?(?= \(Type: )")
_PATTERNS = [
    (re.compile(r"(?i)\b(bearer\s+)[\w.~+/=-]+"), r"\1" + REDACTED),
    (re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"), REDACTED),  # a JWT anywhere
    (
        re.compile(
            r"(?i)\b((?:[\w-]{0,40}(?:token|secret|password|passwd|signature|csrf)|api[_-]?key)=)[^&\s\"'<>;,]+"
        ),
        r"\1" + REDACTED,
    ),
    (re.compile(r"/bot\d+:[\w-]+"), "/bot" + REDACTED),  # Telegram puts the bot token in the URL
    (re.compile(r"\b\d{6,12}:[\w-]{30,}\b"), REDACTED),  # a bare Telegram bot token
    (
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,20}://[^:/\s@]{1,200}:)[^@\s/]{1,200}@"),
        r"\1" + REDACTED + "@",
    ),  # user:password@
    (re.compile(r"[\w.%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"), "[email]"),
]
_PHONE = re.compile(
    r"(?<![\w+/.:-])\+\d[\d ().-]{6,20}\d(?![\w.:/-])"  # +44 7700 900123
    r"|(?<![\w.:/-])0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?![\w.:/-])"  # 07700 900123, 020 7946 0958
    r"|(?<![\w.+/:-])\d{11,15}(?![\w.:/])"  # 447700900123 (WhatsApp ids); 10 digits would be Unix times
)


def _phone(match: re.Match) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return "[phone]" if 8 <= digits <= 15 else match.group(0)


class Redactor:
    """Takes secrets, contacts and message texts out of a piece of log text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is replaced whole; short values would hit words.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _QUOTED_VALUE.sub(lambda m: f"{m.group('key')}{m.group('q')}{REDACTED}{m.group('q')}", text)
        if "Uttered(" in text:
            text = _EVENT_TEXT.sub(lambda m: m.group("key") + REDACTED, text)
            text = _ENTITY_VALUE.sub(lambda m: m.group("key") + REDACTED, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return _PHONE.sub(_phone, text)


class RedactingFilter(logging.Filter):
    """Redacts a record in place: its message (arguments merged in), traceback and stack."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what there is, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = self.redactor.redact(message), ()
        if record.exc_info and not record.exc_text:
            # Formatters use a ready exc_text instead of formatting the exception again.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


_installed: Optional[RedactingFilter] = None


def install_redaction(extra_secrets: Iterable[str] = ()) -> RedactingFilter:
    """Redact every log record this process creates from now on; calling it again updates the secrets.

    Installed as the record factory rather than on handlers because Rasa, Sanic and
    python-socketio add handlers of their own after start-up; every record, whichever
    logger and handler it goes to, is made by the factory.
    """
    global _installed
    redactor = Redactor([*secret_values(), *extra_secrets])
    if _installed is not None:
        _installed.redactor = redactor
        return _installed
    installed = _installed = RedactingFilter(redactor)
    make_record = logging.getLogRecordFactory()

    def redacted_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        installed.filter(record)
        return record

    logging.setLogRecordFactory(redacted_record)
    return installed


def secret_values(env: Optional[Dict[str, str]] = None) -> List[str]:
    """Every configured secret (settings marks them), with overrides from `env`, and the inbox password files."""
    import settings

    values = []
    for name, _description, secret in settings._DOCUMENTED:
        if secret:
            values.append(str(getattr(settings, name, "") or ""))
            values.append((env or {}).get(name, ""))
    for name in ("inbox_password", "inbox_password_hash"):
        try:
            values.append((settings.VAR_DIR / "secrets" / name).read_text(encoding="utf-8").strip())
        except OSError:
            pass
    return [value for value in dict.fromkeys(values) if value]


class RotatingFile:
    """An append-only log file that becomes NAME.1 (older ones NAME.2 ... NAME.backups) at max_bytes."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        self.path, self.max_bytes, self.backups = Path(path), max_bytes, backups
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: BinaryIO = open(self.path, "ab")
        self._size = self._file.tell()

    def write(self, data: bytes) -> None:
        if self.max_bytes > 0 and self._size and self._size + len(data) > self.max_bytes:
            self._rotate()
        self._file.write(data)
        self._file.flush()  # tail -f and the tests read it while the service runs
        self._size += len(data)

    def _rotate(self) -> None:
        self._file.close()
        if self.backups > 0:
            for number in range(self.backups - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{number}")
                if older.exists():
                    os.replace(older, self.path.with_name(f"{self.path.name}.{number + 1}"))
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
            self._file = open(self.path, "ab")
        else:
            self._file = open(self.path, "wb")
        self._size = 0

    def close(self) -> None:
        self._file.close()
