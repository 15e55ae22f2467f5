"""Fast unit tests of the load benchmark's tools: no Rasa, no trained model.

The scenario runner is checked against a tiny aiohttp stub on 127.0.0.1 that
answers like Rasa's REST webhook, with a configurable delay and error rate.

(Over 300 lines: the benchmark's pure helpers, one section per benchmark module.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from typing import Dict, List

import pytest
from aiohttp import web

from benchmarks import conversation_load as cl
from benchmarks import load_client, load_report, load_stats, load_training, process_metrics
from benchmarks.load_servers import free_port
from benchmarks.load_scenarios import BASELINE_SCENARIOS, SCENARIOS, Scenario, Turn


# --- percentiles ------------------------------------------------------------


def test_percentiles_on_known_data():
    data = list(range(1, 101))  # 1..100
    assert load_stats.percentile(data, 0) == 1
    assert load_stats.percentile(data, 100) == 100
    assert load_stats.percentile(data, 50) == pytest.approx(50.5)
    assert load_stats.percentile(data, 95) == pytest.approx(95.05)
    assert load_stats.percentile(data, 99) == pytest.approx(99.01)
    assert load_stats.percentile([10, 20, 30, 40], 50) == pytest.approx(25)
    assert load_stats.percentile([7], 95) == 7


def test_percentile_ignores_input_order_and_handles_empty():
    assert load_stats.percentile([5, 1, 4, 2, 3], 50) == 3
    assert load_stats.percentile([], 50) is None
    with pytest.raises(ValueError):
        load_stats.percentile([1, 2], 101)


def test_percentile_matches_numpy_default():
    numpy = pytest.importorskip("numpy")
    rng = random.Random(7)
    data = [rng.expovariate(1 / 120) for _ in range(997)]
    for p in (1, 25, 50, 90, 95, 99, 99.9):
        assert load_stats.percentile(data, p) == pytest.approx(float(numpy.percentile(data, p)))


def test_latency_summary():
    summary = load_stats.latency_summary([100.0, 200.0, 300.0, 400.0])
    assert summary["count"] == 4
    assert summary["p50_ms"] == 250.0
    assert summary["max_ms"] == 400.0
    assert summary["mean_ms"] == 250.0
    assert load_stats.latency_summary([])["p95_ms"] is None


# --- RSS reader ---------------------------------------------------------------


def test_rss_of_this_process_is_plausible():
    kb = process_metrics.read_rss_kb(os.getpid())
    assert kb is not None and 5_000 < kb < 64 * 2**20  # more than 5 MB, less than 64 GB
    tree = process_metrics.tree_rss_bytes(os.getpid())
    assert tree >= kb * 1024 * 0.9


def test_process_tree_includes_children_and_sums_them():
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(30 * 2**20); time.sleep(30)"])
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (process_metrics.read_rss_kb(child.pid) or 0) < 30 * 1024:
            time.sleep(0.05)
        assert child.pid in process_metrics.process_tree(os.getpid())
        alone = process_metrics.read_rss_kb(os.getpid()) * 1024
        assert process_metrics.tree_rss_bytes(os.getpid()) >= alone + 30 * 2**20
    finally:
        child.kill()
        child.wait()


def test_rss_of_a_missing_process():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert process_metrics.read_rss_kb(gone.pid) is None
    assert process_metrics.tree_rss_bytes(gone.pid) == 0


def test_cpu_time_counts_a_busy_child_and_not_a_sleeping_one():
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(30)",
        ]
    )
    idle = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and process_metrics.read_cpu_seconds(busy.pid) < 0.6:
            time.sleep(0.05)
        assert 0.6 <= process_metrics.read_cpu_seconds(busy.pid) < 5
        assert process_metrics.read_cpu_seconds(idle.pid) < 0.5
        assert process_metrics.tree_cpu_seconds(os.getpid()) >= process_metrics.read_cpu_seconds(
            busy.pid
        ) + process_metrics.read_cpu_seconds(os.getpid())
    finally:
        for child in (busy, idle):
            child.kill()
            child.wait()
    assert process_metrics.read_cpu_seconds(busy.pid) == 0.0  # gone


def test_sampler_keeps_the_peak():
    with process_metrics.RssSampler({"me": os.getpid()}, interval=0.05) as sampler:
        time.sleep(0.2)
    assert sampler.samples >= 2
    assert sampler.peaks["me"] >= (process_metrics.read_rss_kb(os.getpid()) or 0) * 1024 * 0.5


# --- the scenario runner against a stub REST webhook ------------------------------


class StubRasa:
    """Answers POST /webhooks/rest/webhook like Rasa: [{"recipient_id", "text"}].

    delay: seconds before each answer. error_every: every n-th request gets HTTP 500.
    Messages containing "EMPTY" get [], "SLOW" sleeps `slow` seconds, "MISS" answers "nope".
    """

    def __init__(self, delay: float = 0.0, error_every: int = 0, slow: float = 0.0) -> None:
        self.delay, self.error_every, self.slow = delay, error_every, slow
        self.requests = 0
        self.errors_sent = 0
        self.by_sender: Dict[str, List[str]] = defaultdict(list)
        self.arrivals: List[float] = []  # loop time of each request
        self.runner = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests += 1
        self.arrivals.append(asyncio.get_running_loop().time())
        number = self.requests
        sender, message = body["sender"], body["message"]
        self.by_sender[sender].append(message)
        await asyncio.sleep(self.slow if "SLOW" in message else self.delay)
        if self.error_every and number % self.error_every == 0:
            self.errors_sent += 1
            return web.json_response({"error": "boom"}, status=500)
        if "EMPTY" in message:
            return web.json_response([])
        text = "nope" if "MISS" in message else f"you said: {message}"
        return web.json_response([{"recipient_id": sender, "text": text}])

    async def __aenter__(self) -> "StubRasa":
        app = web.Application()
        app.router.add_post(load_client.WEBHOOK_PATH, self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *_) -> None:
        await self.runner.cleanup()


PLAIN = Scenario("plain", (Turn("hi"), Turn("how are you"), Turn("bye")))


def run(coro):
    return asyncio.run(coro)


def test_latencies_are_measured():
    async def go():
        async with StubRasa(delay=0.05) as stub:
            result = await load_client.run_load(stub.url, [PLAIN], concurrency=2, seconds=0.6, timeout=5)
            return stub, result

    stub, result = run(go())
    summary = result.summary()
    assert summary["errors"] == 0 and summary["mismatches"] == 0
    assert summary["requests"] == stub.requests == len(result.turns) == summary["turns_ok"]
    assert 10 <= summary["turns_ok"] <= 2 * 0.65 / 0.05 + 2
    latency = summary["latency"]
    assert 50 <= latency["p50_ms"] < 150
    assert 50 <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"] < 300
    assert all(t.latency_ms >= 50 for t in result.turns)
    assert summary["throughput_turns_per_s"] == pytest.approx(summary["turns_ok"] / result.elapsed, rel=0.01)


def test_errors_are_counted_exactly_and_excluded_from_latency():
    async def go():
        async with StubRasa(delay=0.01, error_every=4) as stub:
            result = await load_client.run_load(stub.url, [PLAIN], concurrency=3, seconds=0.8, timeout=5)
            return stub, result

    stub, result = run(go())
    summary = result.summary()
    assert stub.errors_sent > 0
    assert summary["errors"] == summary["errors_by_kind"]["http_500"] == stub.errors_sent
    assert summary["turns_ok"] + summary["errors"] == summary["requests"] == stub.requests
    assert summary["latency"]["count"] == summary["turns_ok"]


def test_empty_replies_timeouts_and_mismatches():
    scenario = Scenario(
        "odd",
        (
            Turn("EMPTY but a reply was expected"),
            Turn("EMPTY and none expected", expect_reply=False),
            Turn("MISS", expect="maltracking"),
            Turn("fine", expect="FINE"),  # case-insensitive
            Turn("SLOW"),
        ),
    )

    async def go():
        async with StubRasa(delay=0.0, slow=2.0) as stub:
            # one conversation: 0.2 s back-off after the empty reply, 0.3 s timeout on SLOW
            result = await load_client.run_load(stub.url, [scenario], concurrency=1, seconds=0.45, timeout=0.3)
            return stub, result

    started = time.monotonic()
    stub, result = run(go())
    assert time.monotonic() - started < 3  # the slow request was cut off by the timeout
    by_text = {t.text: t for t in result.turns}
    assert by_text["EMPTY but a reply was expected"].error == "empty_reply"
    assert by_text["EMPTY and none expected"].error is None
    assert by_text["MISS"].error is None and by_text["MISS"].mismatch
    assert by_text["fine"].ok and not by_text["fine"].mismatch
    assert by_text["SLOW"].error == "timeout"
    summary = result.summary()
    assert summary["errors_by_kind"] == {"empty_reply": 1, "timeout": 1}
    assert summary["mismatches"] == 1 and summary["turns_ok"] == 3


def test_timeout_is_an_error_with_the_timeout_as_latency():
    scenario = Scenario("slow", (Turn("SLOW"),))

    async def go():
        async with StubRasa(slow=2.0) as stub:
            return await load_client.run_load(stub.url, [scenario], concurrency=2, seconds=0.1, timeout=0.3)

    result = run(go())
    assert result.turns and all(t.error == "timeout" for t in result.turns)
    assert all(250 <= t.latency_ms < 1000 for t in result.turns)
    assert result.summary()["latency"]["count"] == 0
    assert result.elapsed < 0.1 + 0.3 + 0.5


def test_connection_refused_is_an_error_and_bounded():
    port = free_port()  # nothing listens there
    result = run(load_client.run_load(f"http://127.0.0.1:{port}", [PLAIN], concurrency=2, seconds=0.5, timeout=1))
    summary = result.summary()
    assert summary["turns_ok"] == 0 and summary["errors"] == len(result.turns) > 0
    assert all(kind.startswith("connection:") for kind in summary["errors_by_kind"])
    # the back-off keeps a dead server from producing a flood of records
    assert len(result.turns) <= 2 * (0.5 / load_client.ERROR_BACKOFF + 2)


def test_every_conversation_has_a_fresh_sender_and_plays_its_script_in_order():
    second = Scenario("second", (Turn("one"), Turn("two")))

    async def go():
        async with StubRasa(delay=0.005) as stub:
            result = await load_client.run_load(stub.url, [PLAIN, second], concurrency=4, seconds=0.5, timeout=5)
            return stub, result

    stub, result = run(go())
    scripts = {tuple(t.text for t in s.turns) for s in (PLAIN, second)}
    assert len(stub.by_sender) == result.conversations_started >= 8
    for sender, messages in stub.by_sender.items():
        assert any(script[: len(messages)] == tuple(messages) for script in scripts), (sender, messages)
    played = {tuple(m) for m in stub.by_sender.values()}
    assert scripts <= played  # both scenarios were played in full
    assert result.conversations_completed >= len(stub.by_sender) - 4  # at most one unfinished per user


def test_runner_stops_at_the_deadline():
    async def go():
        async with StubRasa(delay=0.1) as stub:
            started = time.monotonic()
            result = await load_client.run_load(stub.url, [PLAIN], concurrency=5, seconds=0.5, timeout=5)
            return result, time.monotonic() - started

    result, took = run(go())
    assert 0.5 <= took < 0.5 + 0.1 + 0.5
    assert result.elapsed == pytest.approx(took, abs=0.1)


def test_runner_rejects_nonsense():
    with pytest.raises(ValueError):
        run(load_client.run_load("http://127.0.0.1:9", [PLAIN], concurrency=0, seconds=1))
    with pytest.raises(ValueError):
        run(load_client.run_load("http://127.0.0.1:9", [Scenario("empty", ())], concurrency=1, seconds=1))


# --- scenarios, arguments, report -----------------------------------------------


def test_scenarios_are_lists_of_non_empty_turns():
    for scenario in list(SCENARIOS) + list(BASELINE_SCENARIOS):
        assert scenario.name and scenario.turns
        assert all(turn.text.strip() for turn in scenario.turns)
    texts = [t.text for s in SCENARIOS for t in s.turns]
    assert "what is maltracking" in texts and "why do stiff ankles cause knee pain?" in texts
    assert [t.text for t in BASELINE_SCENARIOS[0].turns] == ["hello", "I am sad", "yes", "bye"]


def test_arguments():
    args = cl.parse_args([])
    assert args.seconds == 60 and args.levels == [1, 10, 50] and not args.skip_baseline
    assert args.out.name == "benchmark.json" and args.timeout == 30
    args = cl.parse_args(["--seconds", "5", "--levels", "2, 4", "--skip-baseline"])
    assert args.levels == [2, 4] and args.skip_baseline
    with pytest.raises(SystemExit):
        cl.parse_args(["--levels", "0"])
    with pytest.raises(SystemExit):
        cl.parse_args(["--seconds", "0"])


def test_sidecar_training_seconds(tmp_path):
    model = tmp_path / "model-abc.tar.gz"
    assert load_training.sidecar_training_seconds(model) is None
    (tmp_path / "model-abc.tar.gz.json").write_text('{"training_seconds": 73.5}')
    assert load_training.sidecar_training_seconds(model) == 73.5


def _level(p95, errors=0):
    return {
        "latency": {"p50_ms": 10.0, "p95_ms": p95, "p99_ms": p95, "max_ms": p95},
        "throughput_turns_per_s": 12.5,
        "turns_ok": 100,
        "errors": errors,
        "errors_by_kind": {"http_500": errors} if errors else {},
        "mismatches": 0,
        "conversations_started": 20,
        "conversations_completed": 19,
        "peak_rss_bytes": {"rasa": 600 * 2**20, "actions": 200 * 2**20},
        "cpu_ms_per_turn": {"rasa": 41.25, "actions": 7.0},
    }


def test_report_table_and_targets():
    report = {
        "meta": {"started": "now", "cpus": 2, "seconds": 20},
        "training": {"ours": {"sidecar_seconds": 73.5}, "baseline": {"training_seconds": 40.0}},
        "targets": {
            "ours": {
                "levels": {"1": _level(80.0), "50": _level(450.0, errors=3)},
                "idle_rss_bytes": {"rasa": 500 * 2**20, "actions": 90 * 2**20},
                "warm_up": [{"latency_ms": 900.0}],
            },
            "baseline": {"levels": {"1": _level(20.0), "50": _level(120.0)}, "idle_rss_bytes": {"rasa": 450 * 2**20}},
        },
    }
    checks = load_report.targets(report)
    assert checks["p95_at_50"] == {"value_ms": 450.0, "target_ms": 300.0, "met": False}
    assert checks["errors"]["value"] == 3 and not checks["errors"]["met"]
    assert checks["training"]["met"]
    text = load_report.markdown(report)
    assert "### 50 concurrent conversations" in text and "### 1 concurrent conversation\n" in text
    assert "| p95 latency (ms) | 450 | 120 | ≤ 300 |" in text
    assert "| peak RSS Rasa server (MB) | 600 | 600 |  |" in text
    assert "| CPU per turn, Rasa server (ms) | 41.2 | 41.2 |  |" in text
    assert "74 s (model sidecar)" in text and "40 s (rasa init)" in text
    assert "**missed**" in text


def test_think_time_paces_each_simulated_person():
    async def scenario():
        async with StubRasa() as stub:
            return await load_client.run_load(
                stub.url, [PLAIN], concurrency=2, seconds=0.8, timeout=5, think_time=(0.3, 0.3)
            )

    result = run(scenario())
    # two people, one turn each every ~0.3 s (plus the turn itself) in 0.8 s: at most 3 turns each
    assert 2 <= len(result.turns) <= 6, len(result.turns)


def test_with_think_time_people_arrive_spread_out_not_all_at_once():
    async def scenario(think_time):
        async with StubRasa() as stub:
            start = asyncio.get_running_loop().time()
            await load_client.run_load(stub.url, [PLAIN], concurrency=20, seconds=1.0, timeout=5, think_time=think_time)
            return sorted(t - start for t in stub.arrivals)

    paced = run(scenario((1.0, 1.0)))
    # everyone's first turn comes within the first second (a second turn only after
    # it), spread over it, not a burst
    first = [t for t in paced if t < 1.0]
    assert 15 <= len(first) <= 20 and first[-1] - first[0] > 0.3, paced
    closed = run(scenario((0.0, 0.0)))
    # a closed loop saturates from the first moment: everyone starts at once
    assert closed[19] - closed[0] < 0.3, closed


def test_think_time_argument_is_checked():
    assert cl.parse_think_time("2,6") == (2.0, 6.0)
    for bad in ("6,2", "x", "1", "-1,2", "1,500"):
        with pytest.raises(argparse.ArgumentTypeError):
            cl.parse_think_time(bad)


def test_speedups_on_and_off_are_reported_next_to_the_starter_bot():
    on = {**_level(80.0), "cpu_ms_per_turn": {"rasa": 30.0, "actions": 7.0}}
    off = {**_level(95.0), "cpu_ms_per_turn": {"rasa": 45.0, "actions": 7.0}}
    report = {
        "meta": {"started": "now", "cpus": 2, "seconds": 5},
        "training": {"ours": {"sidecar_seconds": 73.5}},
        "targets": {
            "ours": {
                "levels": {"1": on},
                "speedups": {"setting": "on", "rasa_log": "Rasa speed-ups on (Rasa 3.6.21): x"},
            },
            "ours_speedups_off": {
                "levels": {"1": off, "50": off},
                "speedups": {"setting": "off", "rasa_log": "Rasa speed-ups off (RASA_SPEEDUPS): y"},
            },
            "baseline": {"levels": {"1": _level(20.0)}, "speedups": {"setting": "off", "rasa_log": None}},
        },
    }
    text = load_report.markdown(report)
    assert "| our assistant (speed-ups on) | 1 | 10 | 80 | 80 | 12.5 | 0 | 30.0 |" in text
    assert "| our assistant (speed-ups off) | 1 | 10 | 95 | 95 | 12.5 | 0 | 45.0 |" in text
    assert "| starter bot (baseline) | 1 | 10 | 20 | 20 | 12.5 | 0 | 41.2 |" in text
    assert "| p95 latency (ms) | 80 | 95 | 20 |  |" in text  # a column each in the level's table
    assert "| Rasa speed-ups (as the Rasa server logged) | on | off | off (not logged) |  |" in text
    assert "| our assistant (speed-ups off) | 50 | 10 | 95 |" in text
    assert load_report.targets(report)["p95_at_50"]["value_ms"] is None  # checked on speed-ups on only


def test_speedups_argument_and_the_servers_start_up_line(tmp_path):
    assert cl.parse_args([]).speedups == "both"
    assert cl.parse_args(["--speedups", "off"]).speedups == "off"
    with pytest.raises(SystemExit):
        cl.parse_args(["--speedups", "maybe"])
    from benchmarks.load_servers import speedups_line

    log = tmp_path / "rasa.log"
    assert speedups_line(log) is None
    log.write_text("noise\n2026-01-01 10:00:00 INFO     bot.serve  - Rasa speed-ups on (Rasa 3.6.21): a, b\nmore\n")
    assert speedups_line(log) == "Rasa speed-ups on (Rasa 3.6.21): a, b"


def test_what_the_quality_benchmark_imports_from_here_is_still_here():
    from benchmarks import conversation_quality  # noqa: F401  (imports names from conversation_load)
