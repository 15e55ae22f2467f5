"""Starts a Rasa server with bot/rasa_speedups.py applied first (or explicitly not).

    python -m bot.serve run --model ... --endpoints endpoints.yml ...   (Rasa's own arguments)

The same command line as `rasa run` (or `rasa shell`), run by Rasa's own CLI
main in this process, after the speed-ups were applied and the log says
whether they are on. ops/services.py and `./assistant shell` start Rasa this way.
"""
from __future__ import annotations

import logging
import sys
from typing import Optional, Sequence

# The commands that start a Rasa server; training and testing run Rasa's own code.
SERVER_COMMANDS = ("run", "shell")

logger = logging.getLogger("bot.serve")  # not "__main__" under `python -m`


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
    from bot import rasa_speedups

    report = rasa_speedups.apply()
    logger.info(report.describe())

    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]  # Rasa's CLI reads its arguments from sys.argv
    rasa_main()


if __name__ == "__main__":
    main()
