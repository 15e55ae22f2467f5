"""The servers under load: start them on free 127.0.0.1 ports, run each level against them, stop them.

Our assistant runs twice, with bot/rasa_speedups.py on and off (RASA_SPEEDUPS
in the Rasa server's environment), each with its own SQLite stores; Rasa's
starter bot runs Rasa's own code. Every server is started the way
tests/conftest.py and `./assistant run` start it (ops/services.py).
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from benchmarks.load_client import run_load, warm_up
from benchmarks.load_report import fmt, mb
from benchmarks.load_scenarios import BASELINE_SCENARIOS, SCENARIOS, Scenario
from benchmarks.process_metrics import RssSampler, children_map, tree_cpu_seconds, tree_rss_bytes

# Labels (and JSON keys) of the systems under load, in the order they run and are reported.
OURS, OURS_SPEEDUPS_OFF, BASELINE = "ours", "ours_speedups_off", "baseline"
SPEEDUPS_LOG_MARK = "Rasa speed-ups"  # bot/serve.py's start-up line says whether they are on


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _replace_arg(argv: List[str], flag: str, value: str) -> List[str]:
    argv = list(argv)
    argv[argv.index(flag) + 1] = value
    return argv


def speedups_line(log_path: Path) -> Optional[str]:
    """What the Rasa server said about the speed-ups at start-up (None: no such line)."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return None
    found = [line for line in lines if SPEEDUPS_LOG_MARK in line]
    return found[-1].split(" - ", 1)[-1].strip() if found else None


def run_levels(
    label: str,
    base_url: str,
    scenarios: Sequence[Scenario],
    processes: Dict[str, int],
    levels: Sequence[int],
    seconds: float,
    timeout: float,
    pause: float = 2.0,
    think_time: Tuple[float, float] = (0.0, 0.0),
    headers: Optional[Dict[str, str]] = None,
    keep_turns: bool = False,
) -> Dict:
    """Idle memory, warm-up, then each concurrency level with RSS sampling.

    headers: sent with every message (the API token through nginx); keep_turns: each level's
    TurnResults under "turns" (not JSON), for checking the stored conversations afterwards.
    """
    time.sleep(pause)  # let start-up work settle before the idle reading
    children = children_map()
    idle = {name: tree_rss_bytes(pid, children) for name, pid in processes.items()}
    print(f"==> [{label}] idle RSS: " + ", ".join(f"{n} {mb(v)} MB" for n, v in idle.items()), flush=True)
    warm = asyncio.run(warm_up(base_url, scenarios, timeout, headers))
    children = children_map()
    after_warm_up = {name: tree_rss_bytes(pid, children) for name, pid in processes.items()}
    print(
        f"==> [{label}] warm-up: "
        + ", ".join(f"{w['latency_ms']:.0f} ms{'!' + w['error'] if w['error'] else ''}" for w in warm),
        flush=True,
    )
    out: Dict = {"idle_rss_bytes": idle, "after_warm_up_rss_bytes": after_warm_up, "warm_up": warm, "levels": {}}
    for level in levels:
        print(f"==> [{label}] {level} concurrent conversations for {seconds:g}s", flush=True)
        children = children_map()
        cpu_before = {name: tree_cpu_seconds(pid, children) for name, pid in processes.items()}
        with RssSampler(processes) as sampler:
            result = asyncio.run(
                run_load(
                    base_url,
                    scenarios,
                    level,
                    seconds,
                    timeout,
                    sender_prefix=label,
                    think_time=think_time,
                    headers=headers,
                )
            )
        children = children_map()
        cpu_used = {name: tree_cpu_seconds(pid, children) - cpu_before[name] for name, pid in processes.items()}
        summary = result.summary()
        summary["cpu_seconds"] = {name: round(value, 2) for name, value in cpu_used.items()}
        summary["cpu_ms_per_turn"] = {
            name: (round(1000 * value / summary["turns_ok"], 1) if summary["turns_ok"] else None)
            for name, value in cpu_used.items()
        }
        summary["peak_rss_bytes"] = dict(sampler.peaks)
        summary["rss_samples"] = sampler.samples
        lat = summary["latency"]
        print(
            f"    {summary['turns_ok']} turns ok, {summary['errors']} errors, {summary['mismatches']} mismatches, "
            f"p50 {fmt(lat['p50_ms'])} ms, p95 {fmt(lat['p95_ms'])} ms, "
            f"{summary['throughput_turns_per_s']} turns/s, CPU per turn "
            + ", ".join(f"{n} {fmt(v, 1)} ms" for n, v in summary["cpu_ms_per_turn"].items()),
            flush=True,
        )
        if keep_turns:
            summary["turns"] = result.turns
        out["levels"][str(level)] = summary
        time.sleep(pause)
    return out


def bench_ours(work: Path, model: Path, args, speedups: bool = True) -> Dict:
    """Our action server and Rasa server, with the Rasa speed-ups on or off."""
    from ops import services

    label = OURS if speedups else OURS_SPEEDUPS_OFF
    env, action_port, rasa_port = assistant_env(work, f"{label}-")
    env["RASA_SPEEDUPS"] = "on" if speedups else "off"
    # every simulated person writes from 127.0.0.1: the per-address limit would refuse the load itself
    env["MESSAGES_PER_MINUTE_PER_ADDRESS"] = "0"
    actions = services.action_server(action_port, work / f"{label}-actions.log", env=env)
    rasa = services.rasa_server(model, rasa_port, work / f"{label}-rasa.log", env=env)
    started: List = []
    try:
        print(
            f"==> starting our action server (:{action_port}) and Rasa server (:{rasa_port}), "
            f"speed-ups {env['RASA_SPEEDUPS']}",
            flush=True,
        )
        started += [actions.start(), rasa.start()]
        t0 = time.monotonic()
        actions.wait_healthy(120)
        rasa.wait_healthy(300)
        startup = time.monotonic() - t0
        said = speedups_line(rasa.log_path)
        print(f"==> [{label}] {said or 'no line about the speed-ups in the Rasa log'}", flush=True)
        result = run_levels(
            label,
            f"http://127.0.0.1:{rasa_port}",
            SCENARIOS,
            {"rasa": rasa.process.pid, "actions": actions.process.pid},
            args.levels,
            args.seconds,
            args.timeout,
            think_time=args.think_time,
        )
        result["startup_seconds"] = round(startup, 1)
        result["scenarios"] = [s.name for s in SCENARIOS]
        result["speedups"] = {"setting": env["RASA_SPEEDUPS"], "rasa_log": said}
        return result
    finally:
        services.stop_all(started)


def assistant_env(work: Path, prefix: str = "") -> Tuple[Dict[str, str], int, int]:
    """Like tests/conftest.py: own free ports and own SQLite stores under `work`; (env, action port, Rasa port)."""
    action_port, rasa_port = free_port(), free_port()
    env = {
        "ACTION_PORT": str(action_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_STORE_URL": f"sqlite:///{work / f'{prefix}tracker.db'}",
        "APP_DB_URL": f"sqlite:///{work / f'{prefix}assistant.db'}",
        "SAFETY_JOURNAL": str(work / f"{prefix}unsaved_safety_records.jsonl"),
        "RASA_API_TOKEN": uuid.uuid4().hex,
    }
    return env, action_port, rasa_port


def bench_baseline(work: Path, starter: Dict, args) -> Dict:
    from ops import services

    folder: Path = starter["model"].parent.parent
    port = free_port()
    # The starter bot is the reference for Rasa's own code: no speed-ups.
    env = {"RASA_API_TOKEN": uuid.uuid4().hex, "RASA_SPEEDUPS": "off"}
    rasa = services.rasa_server(starter["model"], port, work / "starter-rasa.log", env=env)
    # same flags as ours, but the starter project's files (absolute paths: the cwd is the repo)
    rasa.name = "starter-rasa"
    rasa.argv = _replace_arg(rasa.argv, "--endpoints", str(folder / "endpoints.benchmark.yml"))
    rasa.argv = _replace_arg(rasa.argv, "--credentials", str(folder / "credentials.benchmark.yml"))
    started: List = []
    try:
        print(f"==> starting the starter bot's Rasa server (:{port})", flush=True)
        started.append(rasa.start())
        t0 = time.monotonic()
        rasa.wait_healthy(300)
        startup = time.monotonic() - t0
        result = run_levels(
            BASELINE,
            f"http://127.0.0.1:{port}",
            BASELINE_SCENARIOS,
            {"rasa": rasa.process.pid},
            args.levels,
            args.seconds,
            args.timeout,
            think_time=args.think_time,
        )
        result["startup_seconds"] = round(startup, 1)
        result["scenarios"] = [s.name for s in BASELINE_SCENARIOS]
        result["speedups"] = {"setting": "off", "rasa_log": speedups_line(rasa.log_path)}
        return result
    finally:
        services.stop_all(started)
