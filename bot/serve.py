"""Starts a Rasa server with bot/rasa_speedups.py applied first (or explicitly not).

    python -m bot.serve run --model ... --endpoints endpoints.yml ...   (Rasa's own arguments)

The same command line as `rasa run` (or `rasa shell`), run by Rasa's own CLI
main in this process, after the speed-ups were applied and the log says
whether they are on. ops/services.py and `./assistant shell` start Rasa this way.
Likewise bot/action_failures.py (a failed action is answered, never silence)
and common/sqlite.py for the tracker store's engine (WAL, a busy timeout).

Before Rasa starts, log records are redacted from then on (ops/log_setup.py), and for
`run --enable-api` the API's token (RASA_API_TOKEN) and JWT secret
(RASA_JWT_SECRET) are added to Rasa's arguments in this process, from the
environment: a command line is visible to every user (`ps`, /proc/<pid>/cmdline).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import List, Mapping, Optional, Sequence

# The commands that start a Rasa server; training and testing run Rasa's own code.
SERVER_COMMANDS = ("run", "shell")

logger = logging.getLogger("bot.serve")  # not "__main__" under `python -m`


def with_api_secrets(args: List[str], environ: Mapping[str, str]) -> List[str]:
    """Rasa's arguments plus the HTTP API's token and JWT secret (HS256) from `environ`.

    Refuses to open the API without either: Rasa would serve every conversation to anyone.
    """
    if args[:1] != ["run"] or "--enable-api" not in args:
        return list(args)
    added = []
    if environ.get("RASA_API_TOKEN") and "--auth-token" not in args:
        added += ["--auth-token", environ["RASA_API_TOKEN"]]
    if environ.get("RASA_JWT_SECRET") and "--jwt-secret" not in args:
        added += ["--jwt-secret", environ["RASA_JWT_SECRET"], "--jwt-method", "HS256"]
    if not added and "--auth-token" not in args and "--jwt-secret" not in args:
        sys.exit("refusing to open Rasa's HTTP API without RASA_API_TOKEN or RASA_JWT_SECRET in the environment")
    return [*args, *added]


def _log_to_stderr() -> None:
    """Our start-up lines, formatted like Rasa's, before Rasa configures its own logging."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-8s %(name)s  - %(message)s"))
    for name in (logger.name, "bot.rasa_speedups"):
        named = logging.getLogger(name)
        named.addHandler(handler)
        named.setLevel(logging.INFO)
        named.propagate = False  # not twice once Rasa configures the root logger


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in SERVER_COMMANDS:
        sys.exit(f"usage: python -m bot.serve {{{','.join(SERVER_COMMANDS)}}} [rasa's arguments]")
    _log_to_stderr()
    from ops.log_setup import install_redaction

    install_redaction()
    from bot import rasa_speedups

    report = rasa_speedups.apply()
    logger.info(report.describe())
    from bot import action_failures
    from common import sqlite

    logger.info(action_failures.apply())  # a failed action: the person is told, not left in silence
    sqlite.prepare_every_engine()  # the SQL tracker store's engine: WAL and a busy timeout on SQLite

    from rasa.__main__ import main as rasa_main

    # Rasa's CLI reads its arguments from sys.argv; changing it leaves /proc/<pid>/cmdline as it was.
    sys.argv = ["rasa", *with_api_secrets(args, os.environ)]
    rasa_main()


if __name__ == "__main__":
    main()
