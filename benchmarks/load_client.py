"""The load benchmark's simulated people: scripted conversations over Rasa's REST channel.

Each simulated person plays scenarios from benchmarks/load_scenarios.py with a
fresh sender id per conversation and records every turn's latency and outcome.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from benchmarks.load_scenarios import Scenario
from benchmarks.load_stats import latency_summary

WEBHOOK_PATH = "/webhooks/rest/webhook"
DEFAULT_TIMEOUT = 30.0
ERROR_BACKOFF = 0.2  # after a failed turn, so a dead server is not hammered in a tight loop


@dataclass
class TurnResult:
    scenario: str
    turn: int
    text: str
    latency_ms: float
    error: Optional[str] = None  # None, "timeout", "http_<status>", "empty_reply", "bad_json", "connection:<kind>"
    mismatch: bool = False  # answered, but without the scenario's expected text
    sender: str = ""  # the conversation, for checking its stored events afterwards (load_accounting.py)

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


async def send_turn(
    session, url: str, sender: str, scenario: Scenario, index: int, timeout: float, headers: Optional[Dict] = None
) -> TurnResult:
    """POST one user turn to a REST webhook and classify the outcome (headers: e.g. the API token via nginx)."""
    import aiohttp

    turn = scenario.turns[index]
    started = time.perf_counter()
    error: Optional[str] = None
    mismatch = False
    try:
        async with session.post(
            url,
            json={"sender": sender, "message": turn.text},
            timeout=aiohttp.ClientTimeout(total=timeout),
            headers=headers,
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
    return TurnResult(scenario.name, index, turn.text, latency_ms, error, mismatch, sender)


async def run_load(
    base_url: str,
    scenarios: Sequence[Scenario],
    concurrency: int,
    seconds: float,
    timeout: float = DEFAULT_TIMEOUT,
    sender_prefix: str = "load",
    think_time: Tuple[float, float] = (0.0, 0.0),
    headers: Optional[Dict] = None,
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
                turn = await send_turn(session, url, sender, scenario, index, timeout, headers)
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


async def warm_up(
    base_url: str, scenarios: Sequence[Scenario], timeout: float = DEFAULT_TIMEOUT, headers: Optional[Dict] = None
) -> List[Dict]:
    """Each scenario once, one turn at a time (first requests load lazily built parts)."""
    import aiohttp

    url = base_url.rstrip("/") + WEBHOOK_PATH
    out = []
    async with aiohttp.ClientSession() as session:
        for scenario in scenarios:
            sender = f"warmup-{uuid.uuid4().hex[:8]}"
            for index in range(len(scenario.turns)):
                turn = await send_turn(session, url, sender, scenario, index, timeout, headers)
                out.append({k: v for k, v in asdict(turn).items()} | {"latency_ms": round(turn.latency_ms, 1)})
    return out
