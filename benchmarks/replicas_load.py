"""Scale-out benchmark: one replica on SQLite, one on PostgreSQL + Redis, and N replicas behind nginx.

    .venv/bin/python benchmarks/replicas_load.py [--seconds 40] [--levels 10,50] [--think-time 0,0]
        [--replicas 2] [--out results/replicas_benchmark.json]

The same scripted conversations (benchmarks/load_scenarios.py) as the load benchmark, in
the same run, against:
  1. `sqlite-1`: the default single set-up (one action server, one Rasa server, SQLite
     conversations and records), messages straight to Rasa;
  2. `postgres-redis-1`: ops/replicas.py with one Rasa replica (throwaway PostgreSQL and
     Redis, nginx in front), messages through nginx;
  3. `postgres-redis-N`: the same with N replicas (`--replicas`), round-robin through nginx.
For each: turns/s, latency percentiles, errors, memory of every process, and every
conversation's stored tracker compared with what the load client sent (lost, duplicated
or reordered messages: benchmarks/load_accounting.py).

Everything runs on this machine, the load client included; on 2 cores a second
replica adds no processor, so the comparison shows what replication costs and
that it loses nothing, not how it scales on more machines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.conversation_load import parse_levels, parse_think_time  # noqa: E402
from benchmarks.load_accounting import account, fetch_trackers  # noqa: E402
from benchmarks.load_report import fmt, mb  # noqa: E402
from benchmarks.load_scenarios import SCENARIOS  # noqa: E402
from benchmarks.load_servers import assistant_env, run_levels  # noqa: E402

# The load must not be refused by the limits meant for people (every simulated person is 127.0.0.1).
UNLIMITED = {"MESSAGES_PER_MINUTE": "100000", "MESSAGES_PER_MINUTE_PER_ADDRESS": "0"}


def _measure(label: str, base_url: str, api_url: str, token: str, pids: Dict[str, int], args, headers=None) -> Dict:
    result = run_levels(
        label,
        base_url,
        SCENARIOS,
        pids,
        args.levels,
        args.seconds,
        args.timeout,
        think_time=args.think_time,
        headers=headers,
        keep_turns=True,
    )
    for level, summary in result["levels"].items():
        turns = summary.pop("turns")
        senders = sorted({turn.sender for turn in turns})
        trackers = asyncio.run(fetch_trackers(api_url, senders, token))
        summary["events"] = account(turns, trackers)
        print(f"    [{label} @ {level}] stored messages: {summary['events']}", flush=True)
        summary.pop("rss_samples", None)
    return result


def bench_sqlite(work: Path, model: Path, args) -> Dict:
    from ops import services

    env, action_port, rasa_port = assistant_env(work, "sqlite-")
    env.update(UNLIMITED)
    actions = services.action_server(action_port, work / "sqlite-actions.log", env=env)
    rasa = services.rasa_server(model, rasa_port, work / "sqlite-rasa.log", env=env)
    started: List = [actions.start(), rasa.start()]
    try:
        actions.wait_healthy(120)
        rasa.wait_healthy(300)
        url = f"http://127.0.0.1:{rasa_port}"
        pids = {"rasa": rasa.process.pid, "actions": actions.process.pid}
        return _measure("sqlite-1", url, url, env["RASA_API_TOKEN"], pids, args)
    finally:
        services.stop_all(started)


def bench_replicas(work: Path, model: Path, replicas: int, args) -> Dict:
    import settings
    from ops.datastores import PostgresServer, RedisServer
    from ops.replicas import ReplicaSet

    label = f"postgres-redis-{replicas}"
    postgres, redis = PostgresServer().start(), RedisServer().start()
    token = uuid.uuid4().hex
    env = {
        "TRACKER_STORE_URL": postgres.create_database("tracker"),
        "APP_DB_URL": postgres.create_database("records"),
        "KNOWLEDGE_DB_URL": settings.KNOWLEDGE_DB_URL,  # read-only: the built SQLite file serves every replica
        "LOCK_STORE_URL": redis.url,
        "SOCKETIO_REDIS_URL": redis.url,
        "SAFETY_JOURNAL": str(work / f"{label}-journal.jsonl"),
        "RASA_API_TOKEN": token,
        **UNLIMITED,
    }
    stack = ReplicaSet(model, replicas=replicas, log_dir=work / label, env=env)
    try:
        stack.start().wait_healthy()
        pids = {service.name: service.process.pid for service in stack.services if service.process}
        return _measure(
            label,
            stack.public_url,
            stack.replica_urls[0],
            token,
            pids,
            args,
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        stack.stop()
        redis.stop()
        postgres.stop()


def markdown(report: Dict) -> str:
    lines = [
        "| set-up | level | turns/s | p50 ms | p95 ms | p99 ms | errors | lost | duplicated | reordered | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in report["systems"].items():
        for level, s in result["levels"].items():
            lat, ev = s["latency"], s["events"]
            rss = sum(v for v in s["peak_rss_bytes"].values() if v)
            lines.append(
                f"| {name} | {level} | {s['throughput_turns_per_s']} | {fmt(lat['p50_ms'])} | {fmt(lat['p95_ms'])} | "
                f"{fmt(lat['p99_ms'])} | {s['errors']} | {ev['lost']} | {ev['duplicated']} | {ev['out_of_order']} | "
                f"{mb(rss)} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--levels", type=parse_levels, default=[10, 50])
    parser.add_argument("--think-time", type=parse_think_time, default=(0.0, 0.0))
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "replicas_benchmark.json")
    args = parser.parse_args(argv)

    from ops import build_steps

    build_steps.ensure_knowledge_base()
    model = build_steps.ensure_model()
    report: Dict = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": args.seconds,
        "think_time": list(args.think_time),
        "systems": {},
    }
    with tempfile.TemporaryDirectory(prefix="replicas-bench-") as folder:
        work = Path(folder)
        report["systems"]["sqlite-1"] = bench_sqlite(work, model, args)
        report["systems"]["postgres-redis-1"] = bench_replicas(work, model, 1, args)
        report["systems"][f"postgres-redis-{args.replicas}"] = bench_replicas(work, model, args.replicas, args)
    table = markdown(report)
    print("\n" + table, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**report, "table": table}, indent=1, default=str), encoding="utf-8")
    print(f"==> written {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
