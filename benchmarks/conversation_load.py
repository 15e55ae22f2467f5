"""Conversation load benchmark: our assistant next to Rasa's own starter bot.

    .venv/bin/python benchmarks/conversation_load.py [--seconds 60] [--levels 1,10,50]
        [--skip-baseline] [--retrain] [--timeout 30] [--out results/benchmark.json]

1. Builds what the assistant needs (knowledge base, model: ops.build_steps), starts
   the action server and the Rasa server on free 127.0.0.1 ports with a temporary
   SQLite tracker store (the same way tests/conftest.py does) and waits until healthy.
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

The load client runs on the same machine as the servers and competes with them
for CPU; the figures are a lower bound of what the servers can do on their own.
Servers are always stopped (also on Ctrl-C / SIGTERM). Only 127.0.0.1 is contacted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0]
    sys.path.insert(0, str(ROOT))

from benchmarks.load_scenarios import BASELINE_SCENARIOS, SCENARIOS, Scenario  # noqa: E402

WEBHOOK_PATH = "/webhooks/rest/webhook"
DEFAULT_TIMEOUT = 30.0
ERROR_BACKOFF = 0.2  # after a failed turn, so a dead server is not hammered in a tight loop
SAMPLE_INTERVAL = 0.5

# Targets printed next to the figures.
TARGET_P95_MS = 300.0
TARGET_P95_LEVEL = 50
TARGET_ERRORS = 0
TARGET_TRAINING_SECONDS = 300.0


# --- statistics -------------------------------------------------------------

def percentile(values: Iterable[float], p: float) -> Optional[float]:
    """The p-th percentile (0..100) with linear interpolation between closest ranks.

    Same definition as numpy.percentile's default; None for no values.
    """
    data = sorted(values)
    if not data:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    rank = (len(data) - 1) * p / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(data[low])
    return data[low] + (data[high] - data[low]) * (rank - low)


def latency_summary(latencies_ms: Sequence[float]) -> Dict[str, Optional[float]]:
    def r(x):
        return None if x is None else round(x, 1)

    return {
        "count": len(latencies_ms),
        "p50_ms": r(percentile(latencies_ms, 50)),
        "p95_ms": r(percentile(latencies_ms, 95)),
        "p99_ms": r(percentile(latencies_ms, 99)),
        "max_ms": r(max(latencies_ms)) if latencies_ms else None,
        "mean_ms": r(sum(latencies_ms) / len(latencies_ms)) if latencies_ms else None,
    }


# --- the scenario runner ----------------------------------------------------

@dataclass
class TurnResult:
    scenario: str
    turn: int
    text: str
    latency_ms: float
    error: Optional[str] = None  # None, "timeout", "http_<status>", "empty_reply", "bad_json", "connection:<kind>"
    mismatch: bool = False  # answered, but without the scenario's expected text

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class LoadResult:
    concurrency: int
    seconds: float  # the configured duration
    elapsed: float = 0.0  # until the last in-flight request finished
    turns: List[TurnResult] = field(default_factory=list)
    conversations_started: int = 0
    conversations_completed: int = 0

    def summary(self) -> Dict:
        ok = [t.latency_ms for t in self.turns if t.ok]
        errors: Dict[str, int] = {}
        for t in self.turns:
            if t.error:
                errors[t.error] = errors.get(t.error, 0) + 1
        per_turn: Dict[str, Dict] = {}
        for key in sorted({(t.scenario, t.turn) for t in self.turns}):
            rows = [t for t in self.turns if (t.scenario, t.turn) == key]
            stats = latency_summary([t.latency_ms for t in rows if t.ok])
            per_turn[f"{key[0]}#{key[1]} {rows[0].text}"] = {
                "ok": stats["count"],
                "p50_ms": stats["p50_ms"],
                "p95_ms": stats["p95_ms"],
                "max_ms": stats["max_ms"],
                "errors": sum(1 for t in rows if t.error),
                "mismatches": sum(1 for t in rows if t.mismatch),
            }
        return {
            "concurrency": self.concurrency,
            "seconds": self.seconds,
            "elapsed_s": round(self.elapsed, 2),
            "requests": len(self.turns),
            "turns_ok": len(ok),
            "errors": sum(errors.values()),
            "errors_by_kind": errors,
            "mismatches": sum(1 for t in self.turns if t.mismatch),
            "conversations_started": self.conversations_started,
            "conversations_completed": self.conversations_completed,
            "throughput_turns_per_s": round(len(ok) / self.elapsed, 2) if self.elapsed > 0 else 0.0,
            "latency": latency_summary(ok),
            "per_turn": per_turn,
        }


def reply_text(messages) -> str:
    return "\n".join(str(m.get("text", "")) for m in messages if isinstance(m, dict))


async def send_turn(session, url: str, sender: str, scenario: Scenario, index: int, timeout: float) -> TurnResult:
    """POST one user turn to a REST webhook and classify the outcome."""
    import aiohttp

    turn = scenario.turns[index]
    started = time.perf_counter()
    error: Optional[str] = None
    mismatch = False
    try:
        async with session.post(
            url, json={"sender": sender, "message": turn.text}, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            body = await response.read()
            if response.status != 200:
                error = f"http_{response.status}"
            else:
                try:
                    messages = json.loads(body or b"null")
                except ValueError:
                    messages = None
                if not isinstance(messages, list):
                    error = "bad_json"
                elif not messages and turn.expect_reply:
                    error = "empty_reply"
                elif turn.expect and turn.expect.lower() not in reply_text(messages).lower():
                    mismatch = True
    except asyncio.TimeoutError:
        error = "timeout"
    except aiohttp.ClientError as exc:
        error = f"connection:{type(exc).__name__}"
    latency_ms = (time.perf_counter() - started) * 1000.0
    return TurnResult(scenario.name, index, turn.text, latency_ms, error, mismatch)


async def run_load(
    base_url: str,
    scenarios: Sequence[Scenario],
    concurrency: int,
    seconds: float,
    timeout: float = DEFAULT_TIMEOUT,
    sender_prefix: str = "load",
    think_time: Tuple[float, float] = (0.0, 0.0),
) -> LoadResult:
    """`concurrency` simulated users, each looping over scripted conversations until the deadline.

    Conversation k (counted over all users) plays scenarios[k % len(scenarios)] with a
    fresh sender id. think_time (min, max seconds) is the pause a person takes to read
    and type between turns: (0, 0) is a closed loop that saturates the server, a few
    seconds is how people chat. No turn starts after the deadline; the whole run is additionally
    capped at deadline + timeout + 5 s.
    """
    import aiohttp

    if concurrency < 1 or not scenarios or any(not s.turns for s in scenarios):
        raise ValueError("need concurrency >= 1 and scenarios with at least one turn each")
    url = base_url.rstrip("/") + WEBHOOK_PATH
    result = LoadResult(concurrency=concurrency, seconds=seconds)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    counter = iter(range(10**12))
    run_id = uuid.uuid4().hex[:6]

    async def user(session) -> None:
        if think_time[1] > 0:
            # People arrive at random moments, not all in the same millisecond: with
            # think time each user starts within one think-time of the run's start.
            await asyncio.sleep(random.uniform(0.0, think_time[1]))
        while loop.time() < deadline:
            k = next(counter)
            scenario = scenarios[k % len(scenarios)]
            sender = f"{sender_prefix}-{run_id}-{k}"
            result.conversations_started += 1
            finished = True
            for index in range(len(scenario.turns)):
                if loop.time() >= deadline:
                    finished = False
                    break
                turn = await send_turn(session, url, sender, scenario, index, timeout)
                result.turns.append(turn)
                if turn.error:
                    await asyncio.sleep(ERROR_BACKOFF)
                elif think_time[1] > 0:
                    await asyncio.sleep(min(random.uniform(*think_time), max(0.0, deadline - loop.time())))
            if finished:
                result.conversations_completed += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.ensure_future(user(session)) for _ in range(concurrency)]
        try:
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + timeout + 5)
        except asyncio.TimeoutError:
            pass  # gather was cancelled with the users; what finished is recorded
    result.elapsed = time.perf_counter() - started
    return result


async def warm_up(base_url: str, scenarios: Sequence[Scenario], timeout: float = DEFAULT_TIMEOUT) -> List[Dict]:
    """Each scenario once, one turn at a time (first requests load lazily built parts)."""
    import aiohttp

    url = base_url.rstrip("/") + WEBHOOK_PATH
    out = []
    async with aiohttp.ClientSession() as session:
        for scenario in scenarios:
            sender = f"warmup-{uuid.uuid4().hex[:8]}"
            for index in range(len(scenario.turns)):
                turn = await send_turn(session, url, sender, scenario, index, timeout)
                out.append({k: v for k, v in asdict(turn).items()} | {"latency_ms": round(turn.latency_ms, 1)})
    return out


# --- memory (no psutil: /proc) ------------------------------------------------

def read_rss_kb(pid: int) -> Optional[int]:
    """VmRSS of one process in kB; None when it is gone (or a kernel thread without one)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
        return None
    return None


def children_map() -> Dict[int, List[int]]:
    """ppid -> child pids, from one scan of /proc/<pid>/stat."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # "pid (comm) state ppid ...": comm may contain spaces and parentheses
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) >= 2:
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def process_tree(pid: int, children: Optional[Dict[int, List[int]]] = None) -> List[int]:
    children = children_map() if children is None else children
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        if current in tree:
            continue
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def tree_rss_bytes(pid: int, children: Optional[Dict[int, List[int]]] = None) -> int:
    """Resident memory of a process and all its descendants (shared pages counted per process)."""
    return sum((read_rss_kb(p) or 0) for p in process_tree(pid, children)) * 1024


def read_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0.0
    fields = stat[stat.rfind(")") + 2:].split()  # fields[11], [12]: utime, stime
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int, children: Optional[Dict[int, List[int]]] = None) -> float:
    """CPU time of a process and its live descendants.

    CPU per turn is measured alongside latency because it hardly depends on
    queueing, so it compares code changes on a machine whose speed varies.
    """
    return sum(read_cpu_seconds(p) for p in process_tree(pid, children))


class RssSampler:
    """Samples tree RSS of named processes every `interval` seconds in a daemon thread; keeps peaks."""

    def __init__(self, pids: Dict[str, int], interval: float = SAMPLE_INTERVAL) -> None:
        self.pids = dict(pids)
        self.interval = interval
        self.peaks: Dict[str, int] = {name: 0 for name in self.pids}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def sample(self) -> Dict[str, int]:
        children = children_map()
        now = {name: tree_rss_bytes(pid, children) for name, pid in self.pids.items()}
        for name, value in now.items():
            self.peaks[name] = max(self.peaks[name], value)
        self.samples += 1
        return now

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()  # one last reading at the end of the level


# --- training ---------------------------------------------------------------

TRAIN_TIMEOUT = 45 * 60


def sidecar_training_seconds(model: Path) -> Optional[float]:
    sidecar = model.with_name(model.name + ".json")
    try:
        return float(json.loads(sidecar.read_text(encoding="utf-8"))["training_seconds"])
    except (FileNotFoundError, KeyError, ValueError, TypeError):
        return None


def _rasa_env(cache_dir: Path) -> Dict[str, str]:
    import settings

    return {
        **os.environ,
        **settings.rasa_environment(),
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(cache_dir),  # fresh cache: a real full training, repo cache untouched
    }


def _run_timed(argv: List[str], cwd: Path, env: Dict[str, str], log: Path) -> float:
    print(f"    $ {' '.join(argv[1:])}  (log: {log})", flush=True)
    started = time.monotonic()
    with open(log, "wb") as handle:
        # subprocess.run kills the child on any exception, Ctrl-C included
        proc = subprocess.run(argv, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT, timeout=TRAIN_TIMEOUT)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[3]} failed with code {proc.returncode}; see {log}")
    return seconds


def retrain_ours(work: Path) -> float:
    """Train our model from scratch into a temp folder, timed (same arguments as ensure_model)."""
    out = work / "retrained"
    out.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable, "-m", "rasa", "train",
        "--config", "config.yml", "--domain", "domain.yml", "--data", "bot/data",
        "--out", str(out), "--fixed-model-name", "benchmark-retrain", "--force",
    ]
    print("==> retraining our model from scratch (timed)", flush=True)
    return _run_timed(argv, ROOT, _rasa_env(work / "retrain-cache"), work / "retrain.log")


def init_starter_bot(folder: Path) -> Dict:
    """`rasa init --no-prompt`: copies the starter project and trains it; returns model and seconds."""
    folder.mkdir(parents=True, exist_ok=True)  # --no-prompt requires an existing folder
    argv = [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(folder)]
    print("==> creating Rasa's starter bot with `rasa init --no-prompt` (trains it; timed)", flush=True)
    seconds = _run_timed(argv, folder, _rasa_env(folder / ".rasa" / "cache"), folder.parent / "starter-init.log")
    models = sorted((folder / "models").glob("*.tar.gz"))
    if not models:
        raise RuntimeError(f"rasa init trained no model; see {folder.parent / 'starter-init.log'}")
    # Same channel and tracker store kind as ours (the starter's credentials also list
    # the Rasa X channel, which is not part of the comparison).
    (folder / "credentials.benchmark.yml").write_text("rest:\n", encoding="utf-8")
    (folder / "endpoints.benchmark.yml").write_text(
        "tracker_store:\n"
        "  type: SQL\n"
        "  dialect: sqlite\n"
        f"  db: {json.dumps(str(folder.parent / 'starter-tracker.db'))}\n",
        encoding="utf-8",
    )
    return {"model": models[-1], "training_seconds": seconds}


# --- servers ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _replace_arg(argv: List[str], flag: str, value: str) -> List[str]:
    argv = list(argv)
    argv[argv.index(flag) + 1] = value
    return argv


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
) -> Dict:
    """Idle memory, warm-up, then each concurrency level with RSS sampling."""
    time.sleep(pause)  # let start-up work settle before the idle reading
    children = children_map()
    idle = {name: tree_rss_bytes(pid, children) for name, pid in processes.items()}
    print(f"==> [{label}] idle RSS: " + ", ".join(f"{n} {mb(v)} MB" for n, v in idle.items()), flush=True)
    warm = asyncio.run(warm_up(base_url, scenarios, timeout))
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
            result = asyncio.run(run_load(base_url, scenarios, level, seconds, timeout, sender_prefix=label, think_time=think_time))
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
        out["levels"][str(level)] = summary
        time.sleep(pause)
    return out


def bench_ours(work: Path, model: Path, args) -> Dict:
    from ops import services

    env, action_port, rasa_port = assistant_env(work, "ours-")
    actions = services.action_server(action_port, work / "ours-actions.log", env=env)
    rasa = services.rasa_server(model, rasa_port, work / "ours-rasa.log", env=env)
    started: List = []
    try:
        print(f"==> starting our action server (:{action_port}) and Rasa server (:{rasa_port})", flush=True)
        started += [actions.start(), rasa.start()]
        t0 = time.monotonic()
        actions.wait_healthy(120)
        rasa.wait_healthy(300)
        startup = time.monotonic() - t0
        result = run_levels(
            "ours", f"http://127.0.0.1:{rasa_port}", SCENARIOS,
            {"rasa": rasa.process.pid, "actions": actions.process.pid},
            args.levels, args.seconds, args.timeout, think_time=args.think_time,
        )
        result["startup_seconds"] = round(startup, 1)
        result["scenarios"] = [s.name for s in SCENARIOS]
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
    env = {"RASA_API_TOKEN": uuid.uuid4().hex}
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
            "baseline", f"http://127.0.0.1:{port}", BASELINE_SCENARIOS,
            {"rasa": rasa.process.pid}, args.levels, args.seconds, args.timeout, think_time=args.think_time,
        )
        result["startup_seconds"] = round(startup, 1)
        result["scenarios"] = [s.name for s in BASELINE_SCENARIOS]
        return result
    finally:
        services.stop_all(started)


# --- report -----------------------------------------------------------------

def mb(value: Optional[float]) -> str:
    return "–" if not value else f"{value / 2**20:.0f}"


def fmt(value, digits: int = 0) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _verdict(ok: Optional[bool]) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def targets(report: Dict) -> Dict[str, Dict]:
    """The three targets, checked on our assistant's figures."""
    ours = report.get("targets", {}).get("ours") or {}
    levels = ours.get("levels", {})
    at = levels.get(str(TARGET_P95_LEVEL), {})
    p95 = (at.get("latency") or {}).get("p95_ms")
    errors = sum(level.get("errors", 0) for level in levels.values()) if levels else None
    training = report.get("training", {}).get("ours", {})
    seconds = training.get("retrain_seconds") or training.get("sidecar_seconds")
    return {
        "p95_at_50": {"value_ms": p95, "target_ms": TARGET_P95_MS, "met": None if p95 is None else p95 <= TARGET_P95_MS},
        "errors": {"value": errors, "target": TARGET_ERRORS, "met": None if errors is None else errors <= TARGET_ERRORS},
        "training": {
            "value_s": seconds, "target_s": TARGET_TRAINING_SECONDS,
            "met": None if seconds is None else seconds <= TARGET_TRAINING_SECONDS,
        },
    }


def markdown(report: Dict) -> str:
    targets_ = report.get("targets", {})
    names = [n for n in ("ours", "baseline") if targets_.get(n)]
    header = ["metric"] + [("our assistant" if n == "ours" else "starter bot (baseline)") for n in names] + ["target"]

    def table(rows: List[List[str]]) -> List[str]:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return lines

    lines: List[str] = []
    meta = report.get("meta", {})
    lines.append(
        f"## Conversation load benchmark ({meta.get('started', '')}, {meta.get('cpus', '?')} CPUs, "
        f"{meta.get('seconds', '?')} s per level, think time {meta.get('think_time_s', [0, 0])} s, "
        "client on the same machine)"
    )
    if meta.get("loadavg_at_start"):
        lines.append(f"Load average at start: {', '.join(f'{x:.1f}' for x in meta['loadavg_at_start'])}")
    all_levels = sorted({int(l) for n in names for l in targets_[n].get("levels", {})})
    for level in all_levels:
        per = {n: targets_[n]["levels"].get(str(level), {}) for n in names}
        lat = {n: per[n].get("latency", {}) for n in names}
        p95_target = f"≤ {TARGET_P95_MS:.0f}" if level == TARGET_P95_LEVEL else ""
        rows = [
            ["p50 latency (ms)"] + [fmt(lat[n].get("p50_ms")) for n in names] + [""],
            ["p95 latency (ms)"] + [fmt(lat[n].get("p95_ms")) for n in names] + [p95_target],
            ["p99 latency (ms)"] + [fmt(lat[n].get("p99_ms")) for n in names] + [""],
            ["max latency (ms)"] + [fmt(lat[n].get("max_ms")) for n in names] + [""],
            ["throughput (turns/s)"] + [fmt(per[n].get("throughput_turns_per_s"), 1) for n in names] + [""],
            ["turns ok"] + [fmt(per[n].get("turns_ok")) for n in names] + [""],
            ["errors"] + [
                fmt(per[n].get("errors")) + (f" {per[n]['errors_by_kind']}" if per[n].get("errors") else "")
                for n in names
            ] + [str(TARGET_ERRORS)],
            ["unexpected replies"] + [fmt(per[n].get("mismatches")) for n in names] + [""],
            ["conversations started / completed"] + [
                f"{fmt(per[n].get('conversations_started'))} / {fmt(per[n].get('conversations_completed'))}"
                for n in names
            ] + [""],
            ["CPU per turn, Rasa server (ms)"] + [
                fmt(per[n].get("cpu_ms_per_turn", {}).get("rasa"), 1) for n in names
            ] + [""],
            ["CPU per turn, action server (ms)"] + [
                fmt(per[n].get("cpu_ms_per_turn", {}).get("actions"), 1) for n in names
            ] + [""],
            ["peak RSS Rasa server (MB)"] + [mb(per[n].get("peak_rss_bytes", {}).get("rasa")) for n in names] + [""],
            ["peak RSS action server (MB)"] + [mb(per[n].get("peak_rss_bytes", {}).get("actions")) for n in names] + [""],
        ]
        lines += ["", f"### {level} concurrent conversation{'s' if level != 1 else ''}", ""] + table(rows)

    training = report.get("training", {})
    ours_t = training.get("ours", {})
    base_t = training.get("baseline", {})

    def train_cell(n):
        t = ours_t if n == "ours" else base_t
        if n == "ours":
            parts = []
            if ours_t.get("sidecar_seconds") is not None:
                parts.append(f"{ours_t['sidecar_seconds']:.0f} s (model sidecar)")
            if ours_t.get("retrain_seconds") is not None:
                parts.append(f"{ours_t['retrain_seconds']:.0f} s (fresh, this run)")
            return ", ".join(parts) or "unknown (no sidecar; use --retrain)"
        return f"{t['training_seconds']:.0f} s (rasa init)" if t.get("training_seconds") is not None else "–"

    general = [
        ["training time"] + [train_cell(n) for n in names] + [f"≤ {TARGET_TRAINING_SECONDS / 60:.0f} min"],
        ["server start-up until healthy (s)"] + [fmt(targets_[n].get("startup_seconds"), 1) for n in names] + [""],
        ["idle RSS Rasa server (MB)"] + [mb(targets_[n].get("idle_rss_bytes", {}).get("rasa")) for n in names] + [""],
        ["idle RSS action server (MB)"] + [mb(targets_[n].get("idle_rss_bytes", {}).get("actions")) for n in names] + [""],
        ["RSS after warm-up Rasa / actions (MB)"] + [
            f"{mb(targets_[n].get('after_warm_up_rss_bytes', {}).get('rasa'))} / "
            f"{mb(targets_[n].get('after_warm_up_rss_bytes', {}).get('actions'))}"
            for n in names
        ] + [""],
        ["first warm-up turn (ms)"] + [
            fmt((targets_[n].get("warm_up") or [{}])[0].get("latency_ms")) for n in names
        ] + [""],
    ]
    if names:
        lines += ["", "### Training and memory", ""] + table(general)

    checks = report.get("target_check") or targets(report)
    lines += [
        "",
        "### Targets (our assistant)",
        "",
        f"- p95 ≤ {TARGET_P95_MS:.0f} ms at {TARGET_P95_LEVEL} concurrent: "
        f"{fmt(checks['p95_at_50']['value_ms'])} ms, {_verdict(checks['p95_at_50']['met'])}",
        f"- errors = {TARGET_ERRORS} (all levels): {fmt(checks['errors']['value'])}, {_verdict(checks['errors']['met'])}",
        f"- training ≤ {TARGET_TRAINING_SECONDS / 60:.0f} min: "
        f"{fmt(checks['training']['value_s'])} s, {_verdict(checks['training']['met'])}",
    ]
    if report.get("interrupted"):
        lines += ["", "**Incomplete run**: interrupted"]
    if report.get("error"):
        lines += ["", f"**Incomplete run**: {report['error'].splitlines()[0]}"]
    for name, error in (report.get("errors") or {}).items():
        lines += ["", f"**{name} failed**: {error.splitlines()[0]} (details in the JSON)"]
    return "\n".join(lines)


# --- command line -----------------------------------------------------------

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
        "--think-time", type=parse_think_time, default=(0.0, 0.0),
        help="MIN,MAX seconds a simulated person pauses between turns (default 0,0: closed loop, saturation)",
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
                + (f"each person pauses {args.think_time[0]:g}-{args.think_time[1]:g} s between turns "
                   "and starts at a random moment within the first pause"
                   if args.think_time[1] > 0 else "no think time (closed loop)")
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
        report["training"]["ours"] = {"sidecar_seconds": sidecar_training_seconds(model)}
        if args.retrain:
            report["training"]["ours"]["retrain_seconds"] = round(retrain_ours(work), 1)
        starter = None
        if not args.skip_baseline:
            starter = init_starter_bot(work / "starter")
            report["training"]["baseline"] = {"training_seconds": round(starter["training_seconds"], 1)}
        runs = [("ours", lambda: bench_ours(work, model, args))]
        if starter:
            runs.append(("baseline", lambda: bench_baseline(work, starter, args)))
        for name, bench in runs:
            try:  # one target failing to start does not cancel the other
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
