"""The trainer's inbox at scale: every page's response time with 100,000 conversations on record.

    .venv/bin/python benchmarks/inbox_scale.py [--db-url URL] [--tracker-url URL]
        [--conversations 100000] [--events 20] [--repeat 7] [--page-size 50] [--limit-ms 300]
        [--skip-seed] [--keep]

1. Seeds the records database (--db-url; default a temporary SQLite file) with
   --conversations conversations in realistic proportions, and Rasa's tracker store
   (--tracker-url; default: a SQLite file beside it, or the same PostgreSQL database)
   with --events events each: benchmarks/inbox_seed.py. --skip-seed reuses databases
   seeded before (give both URLs); otherwise the records database must be empty.
2. Starts a small stand-in of Rasa's HTTP API (each conversation's tracker: 24 events)
   and the real inbox process (ops/services.py `inbox_server`) on free 127.0.0.1 ports.
3. Logs in, then times every page: the first page of each (needs attention, bookings,
   data requests, stats), the last page of every paginated list found on them (the
   pagers' data-pages), a conversation page, its messages.json and its data export.
   Each page --repeat times after one warm-up request; prints p50 and max in ms and
   whether the max is under --limit-ms (the exit code is 1 if any is not).
4. Removes its temporary folder (SQLite files, the inbox's log) unless --keep; a
   database given by URL is left as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0]
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from aiohttp import web  # noqa: E402
from sqlalchemy import create_engine, inspect, text  # noqa: E402

from benchmarks.inbox_seed import seed_records, seed_tracker, utc_now  # noqa: E402
from ops import services  # noqa: E402

PASSWORD = "benchmark password"
PAGER_RE = re.compile(r'data-param="(\w+)" data-pages="(\d+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StandInRasa:
    """GET /conversations/<id>/tracker answers a made-up 24-event conversation, like Rasa's API."""

    def __init__(self) -> None:
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    async def _tracker(request: web.Request) -> web.Response:
        start = time.time() - 3600
        events = []
        for index in range(12):
            events.append({"event": "user", "timestamp": start + 20 * index, "text": f"Knee message {index}"})
            events.append({"event": "bot", "timestamp": start + 20 * index + 1, "text": "Thanks. Tell me more."})
        sender = request.match_info["conversation_id"]
        return web.json_response({"sender_id": sender, "events": events, "paused": False, "slots": {}})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/conversations/{conversation_id}/tracker", self._tracker)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def already_seeded(url: str) -> bool:
    engine = create_engine(url, future=True)
    try:
        if not inspect(engine).has_table("consultations"):
            return False
        with engine.connect() as connection:
            return bool(connection.execute(text("SELECT COUNT(*) FROM consultations")).scalar())
    finally:
        engine.dispose()


def login(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=30)
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"username": "trainer", "password": PASSWORD, "login_csrf": token, "next": "/"}
    response = session.post(f"{base}/login", data=form, allow_redirects=False, timeout=30)
    if response.status_code != 303:
        raise RuntimeError(f"login failed: {response.status_code} {response.text[:200]}")
    return session


def time_page(session: requests.Session, url: str, repeat: int) -> Tuple[List[float], str]:
    first = session.get(url, timeout=120)  # warm-up (and the page's pagers)
    if first.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {first.status_code}: {first.text[:300]}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = session.get(url, timeout=120)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return times, first.text


def measure(base: str, busy: str, repeat: int) -> List[Tuple[str, List[float]]]:
    session = login(base)
    results: List[Tuple[str, List[float]]] = []
    for path in ("/", "/bookings", "/data-requests", "/stats"):
        times, html = time_page(session, base + path, repeat)
        results.append((path, times))
        for param, pages in sorted(set(PAGER_RE.findall(html))):
            if int(pages) > 1:
                deep = f"{path}?{param}={pages}"
                results.append((deep, time_page(session, base + deep, repeat)[0]))
    conversation = f"/conversations/{busy}"
    for path in (conversation, conversation + "/messages.json", conversation + "/export.json"):
        results.append((path.replace(busy, "<id>"), time_page(session, base + path, repeat)[0]))
    return results


def table(results: List[Tuple[str, List[float]]], limit_ms: float) -> str:
    lines = ["| page | p50 ms | max ms | under %d ms |" % limit_ms, "| --- | ---: | ---: | --- |"]
    for path, times in results:
        worst = max(times)
        verdict = "yes" if worst < limit_ms else "**no**"
        lines.append(f"| `{path}` | {statistics.median(times):.1f} | {worst:.1f} | {verdict} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", help="records database (default: a temporary SQLite file)")
    parser.add_argument("--tracker-url", help="Rasa's tracker store (default: see above)")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=20, help="Rasa events per conversation")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--limit-ms", type=float, default=300.0)
    parser.add_argument("--skip-seed", action="store_true", help="the databases were seeded before")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, inbox.log)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="inbox-scale-"))
    db_url = args.db_url or f"sqlite:///{work / 'assistant.db'}"
    tracker_url = args.tracker_url or (
        db_url if db_url.startswith("postgresql") else f"sqlite:///{work / 'tracker.db'}"
    )
    seeded = already_seeded(db_url)
    if args.skip_seed != seeded:
        parser.error("--skip-seed needs a seeded database" if args.skip_seed else f"{db_url} is not empty")
    now = utc_now()
    busy = ""
    if not args.skip_seed:
        started = time.perf_counter()
        found = seed_records(db_url, args.conversations, now)
        records_seconds = time.perf_counter() - started
        events = seed_tracker(tracker_url, args.conversations, args.events, now)
        busy = found["busy_conversation"]
        print(f"Seeded {found['counts']} in {records_seconds:.1f} s", flush=True)
        print(f"Seeded {events} Rasa events in {time.perf_counter() - started - records_seconds:.1f} s", flush=True)
    else:
        engine = create_engine(db_url, future=True)
        with engine.connect() as connection:
            busy = connection.execute(text("SELECT conversation_id FROM handoffs ORDER BY id DESC LIMIT 1")).scalar()
        engine.dispose()

    from trainer_inbox.auth import hash_password

    rasa = StandInRasa()
    port = free_port()
    env = {
        "APP_DB_URL": db_url,
        "TRACKER_STORE_URL": tracker_url,
        "RASA_URL": rasa.url,
        "SAFETY_JOURNAL": str(work / "unsaved_safety_records.jsonl"),
        "INBOX_PASSWORD_HASH": hash_password(PASSWORD, iterations=1000),
        "INBOX_SECRET_KEY": uuid.uuid4().hex,
        "INBOX_PAGE_SIZE": str(args.page_size),
    }
    inbox = services.inbox_server(port, work / "inbox.log", env=env).start()
    try:
        inbox.wait_healthy(120)
        results = measure(f"http://127.0.0.1:{port}", busy, args.repeat)
    finally:
        inbox.stop()
        rasa.stop()
    dialect = db_url.split(":", 1)[0].split("+", 1)[0]
    print(
        f"\n{args.conversations:,} conversations, {dialect}, page size {args.page_size}, {args.repeat} requests a page\n"
    )
    print(table(results, args.limit_ms))
    if args.keep:
        print(f"\n(kept: {work})")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(max(times) < args.limit_ms for _, times in results) else 1


if __name__ == "__main__":
    sys.exit(main())
