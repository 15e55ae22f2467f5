"""Conversation load benchmark: our assistant next to Rasa's own starter bot.

    .venv/bin/python benchmarks/conversation_load.py [--seconds 60] [--levels 1,10,50]
        [--speedups both|on|off] [--skip-baseline] [--retrain] [--timeout 30] [--out results/benchmark.json]

1. Builds what the assistant needs (knowledge base, model: ops.build_steps), starts
   the action server and the Rasa server on free 127.0.0.1 ports with a temporary
   SQLite tracker store (the same way tests/conftest.py does) and waits until healthy.
   By default it does so twice, with the Rasa speed-ups (bot/rasa_speedups.py) on and
   off, so that both settings are measured in the same run (--speedups on|off: one).
2. For each concurrency level runs that many simulated conversations at once for
   --seconds over the REST channel. Every conversation is a scripted scenario from
   benchmarks/load_scenarios.py with a fresh sender id. By default each simulated
   user sends its next turn as soon as the previous reply arrived (no think time),
   so a level of N is N requests in flight: the server's saturation. With
   --think-time MIN,MAX each user pauses like a person reading and typing, and
   starts at a random moment within the first pause (people don't all press
   enter in the same millisecond). Nothing new starts after the deadline; a request
   already in flight may take up to --timeout more.
3. Samples the resident memory (VmRSS summed over the process tree, from /proc)
   of each server every 0.5 s: idle after start, after a warm-up, peak per level.
4. Training time: `training_seconds` from the model's sidecar json, and with
   --retrain a fresh training (own temp cache) timed here.
5. Baseline (unless --skip-baseline): `rasa init --no-prompt` in a temp folder
   (which trains the starter "moodbot"; its wall time is the baseline training
   time), then its Rasa server with the same flags and a SQLite tracker store,
   and the same load with the moodbot scenario.
6. Prints markdown tables with the targets next to the figures and writes JSON.

The parts: load_client.py (the simulated people), load_stats.py (percentiles),
process_metrics.py (memory and CPU from /proc), load_training.py (training
times, the starter bot), load_servers.py (starting the servers, the levels),
load_report.py (targets, tables); this file is the command line.

The load client runs on the same machine as the servers and competes with them
for CPU; the figures are a lower bound of what the servers can do on their own.
Servers are always stopped (also on Ctrl-C / SIGTERM). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0]
    sys.path.insert(0, str(ROOT))

from benchmarks.load_client import DEFAULT_TIMEOUT, WEBHOOK_PATH, reply_text  # noqa: E402,F401
from benchmarks.load_report import BASELINE, OURS, OURS_SPEEDUPS_OFF, markdown, targets  # noqa: E402
from benchmarks.load_servers import assistant_env, bench_baseline, bench_ours  # noqa: E402,F401
from benchmarks.load_training import init_starter_bot, retrain_ours, sidecar_training_seconds  # noqa: E402

# WEBHOOK_PATH, reply_text and assistant_env are unused here: benchmarks/conversation_quality.py
# imports them (and _raise_keyboard_interrupt) from this module.


def parse_levels(text: str) -> List[int]:
    levels = [int(part) for part in text.split(",") if part.strip()]
    if not levels or any(level < 1 or level > 500 for level in levels):
        raise argparse.ArgumentTypeError("levels are comma-separated integers between 1 and 500")
    return levels


def parse_think_time(text: str) -> Tuple[float, float]:
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError("think time is MIN,MAX in seconds, e.g. 2,6") from None
    if not 0 <= low <= high <= 120:
        raise argparse.ArgumentTypeError("think time needs 0 <= MIN <= MAX <= 120")
    return low, high


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/conversation_load.py",
        description="Conversation load benchmark of the assistant, next to Rasa's starter bot.",
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of each concurrency level (default 60)")
    parser.add_argument("--levels", type=parse_levels, default=[1, 10, 50], help="concurrency levels (default 1,10,50)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="per-request timeout in s (default 30)")
    parser.add_argument(
        "--think-time",
        type=parse_think_time,
        default=(0.0, 0.0),
        help="MIN,MAX seconds a simulated person pauses between turns (default 0,0: closed loop, saturation)",
    )
    parser.add_argument(
        "--speedups",
        choices=("both", "on", "off"),
        default="both",
        help="our Rasa server with bot/rasa_speedups.py on, off, or both one after the other (default both)",
    )
    parser.add_argument("--skip-baseline", action="store_true", help="do not benchmark Rasa's starter bot")
    parser.add_argument("--retrain", action="store_true", help="also train our model from scratch and time it")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmark.json", help="JSON results file")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temp folder (server logs, databases)")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 3600:
        parser.error("--seconds must be within (0, 3600]")
    if not 0 < args.timeout <= 300:
        parser.error("--timeout must be within (0, 300]")
    return args


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # stop the servers on `kill` too
    from importlib.metadata import version

    from ops import build_steps

    report: Dict = {
        "meta": {
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "think_time_s": list(args.think_time),
            "loadavg_at_start": os.getloadavg(),  # other work on the machine skews the figures
            "python": platform.python_version(),
            "rasa": version("rasa"),
            "seconds": args.seconds,
            "levels": args.levels,
            "timeout_s": args.timeout,
            "client": (
                "asyncio + aiohttp on the same machine, fresh sender per conversation; "
                + (
                    f"each person pauses {args.think_time[0]:g}-{args.think_time[1]:g} s between turns "
                    "and starts at a random moment within the first pause"
                    if args.think_time[1] > 0
                    else "no think time (closed loop)"
                )
            ),
            "latency": "per successful turn (HTTP 200, non-empty reply where one is expected)",
            "rss": "VmRSS summed over each server's process tree, sampled every 0.5 s",
            "cpu_ms_per_turn": "user + system CPU of each server's process tree during the level, per successful turn",
        },
        "training": {},
        "targets": {},
    }
    work = Path(tempfile.mkdtemp(prefix="conversation-load-"))
    keep = args.keep_temp
    code = 0
    try:
        build_steps.ensure_knowledge_base()
        model = build_steps.ensure_model()
        report["meta"]["model"] = model.name
        report["training"][OURS] = {"sidecar_seconds": sidecar_training_seconds(model)}
        if args.retrain:
            report["training"][OURS]["retrain_seconds"] = round(retrain_ours(work), 1)
        starter = None
        if not args.skip_baseline:
            starter = init_starter_bot(work / "starter")
            report["training"][BASELINE] = {"training_seconds": round(starter["training_seconds"], 1)}
        runs = []
        if args.speedups in ("both", "on"):
            runs.append((OURS, lambda: bench_ours(work, model, args, speedups=True)))
        if args.speedups in ("both", "off"):
            runs.append((OURS_SPEEDUPS_OFF, lambda: bench_ours(work, model, args, speedups=False)))
        if starter:
            runs.append((BASELINE, lambda: bench_baseline(work, starter, args)))
        for name, bench in runs:
            try:  # one target failing to start does not cancel the others
                report["targets"][name] = bench()
            except (RuntimeError, TimeoutError) as error:
                report.setdefault("errors", {})[name] = str(error)
                keep, code = True, 1
                print(f"error: [{name}] {error}", file=sys.stderr)
    except KeyboardInterrupt:
        report["interrupted"] = True
        keep, code = True, 130
        print("\n==> interrupted; servers stopped", file=sys.stderr)
    except (RuntimeError, TimeoutError, subprocess.TimeoutExpired, SystemExit) as error:
        report["error"] = str(error)
        keep, code = True, 1
        print(f"error: {error}", file=sys.stderr)
    finally:
        if keep:
            print(f"==> temp folder kept (server logs): {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report["meta"]["loadavg_at_end"] = os.getloadavg()
    report["target_check"] = targets(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print()
    print(markdown(report))
    print(f"\n==> results written to {args.out}")
    return code


if __name__ == "__main__":
    sys.exit(main())
