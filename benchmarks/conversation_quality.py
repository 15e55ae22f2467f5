"""Conversation quality benchmark: scripted personas talk to the assistant until an outcome.

    .venv/bin/python benchmarks/conversation_quality.py [--url URL] [--personas FILE]
        [--out results/conversation_quality.json] [--timeout 30] [--keep-temp]

Each persona (benchmarks/personas.yml) sends its opener, then answers what the assistant
just asked with the answer of its first cue found in the reply, and sends its interjections
at the turn numbers it names. A conversation stops at an outcome ("exercises", or the
safety advice: emergency, a_and_e, same_day, soon) or after max_turns. Without --url the
servers are started here like benchmarks/conversation_load.py does (free 127.0.0.1 ports, temporary
SQLite stores) and stopped at the end, also on Ctrl-C. Prints a markdown table and a summary; same as JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: benchmarks/ is sys.path[0]
    sys.path.insert(0, str(ROOT))

from benchmarks.conversation_load import DEFAULT_TIMEOUT, WEBHOOK_PATH, assistant_env, reply_text  # noqa: E402
from benchmarks.conversation_load import _raise_keyboard_interrupt  # noqa: E402

PERSONAS_FILE = ROOT / "benchmarks" / "personas.yml"
DEFAULT_MAX_TURNS, SHORTEN = 30, 70
REPEAT_THRESHOLD = 3  # the same bot message this many times in one conversation is a repeated prompt
# Safety outcomes: each level's advice opens with exactly these words (coaching/red_flags.yml, levels).
SAFETY_OUTCOMES = (
    ("emergency", "Call 999 now"),
    ("a_and_e", "Go to A&E now"),
    ("same_day", "Please get medical help today"),
    ("soon", "Please see a GP or physiotherapist soon"),
)
EXERCISE_NAMES = ("calf stretch", "glute bridge", "clamshell", "lateral leg raise", "ankle circles", "dorsiflexion")
OUTCOMES = ("exercises",) + tuple(name for name, _ in SAFETY_OUTCOMES)


# --- personas -----------------------------------------------------------------


def _texts(value, where: str) -> List[str]:
    values = value if isinstance(value, list) else [value]
    if not values or any(isinstance(v, bool) or not isinstance(v, (str, int, float)) for v in values):
        raise ValueError(f"{where}: {value!r} is not text or a list of texts (quote yes/no/on/off in YAML)")
    return [str(v).strip() for v in values]


def normalise_persona(raw: Dict) -> Dict:
    """A persona from YAML: answers as an ordered list of (cue, [texts]), interjections by turn."""
    name = str(raw.get("name") or "").strip()
    if not name or raw.get("expect") not in OUTCOMES:
        raise ValueError(f"persona {name or raw!r}: needs a name and expect, one of {', '.join(OUTCOMES)}")
    answers = raw.get("answers") or {}
    pairs: List[Tuple[str, List[str]]] = []
    for item in answers.items() if isinstance(answers, dict) else answers:  # a mapping, or a list of one-key ones
        if not isinstance(item, tuple):
            if not isinstance(item, dict) or len(item) != 1:
                raise ValueError(f"{name}: each answer is one `cue: text` mapping, not {item!r}")
            item = next(iter(item.items()))
        cue, value = item
        if not isinstance(cue, (str, int)) or isinstance(cue, bool) or not str(cue).strip():
            raise ValueError(f"{name}: cue {cue!r} is not text")
        pairs.append((str(cue).strip().lower(), _texts(value, f"{name}: {cue}")))
    interject = {}
    for turn, value in (raw.get("interject") or {}).items():
        if isinstance(turn, bool) or not isinstance(turn, int) or turn < 2:
            raise ValueError(f"{name}: interjection turn {turn!r} must be a number of 2 or more")
        interject[turn] = _texts(value, f"{name}: interject {turn}")[0]
    return {
        "name": name,
        "opener": _texts(raw.get("opener"), f"{name}: opener")[0],
        "expect": raw["expect"],
        "answers": pairs,
        "interject": interject,
        "max_turns": int(raw.get("max_turns") or DEFAULT_MAX_TURNS),
    }


def load_personas(path: Path = PERSONAS_FILE) -> List[Dict]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    personas = [normalise_persona(raw) for raw in data.get("personas") or []]
    duplicates = sorted(n for n, c in Counter(p["name"] for p in personas).items() if c > 1)
    if duplicates:
        raise ValueError(f"duplicate persona names: {', '.join(duplicates)}")
    return personas


# --- the driver's pure parts --------------------------------------------------


def _first_cue(answers, text: str) -> Optional[int]:
    low = text.lower()
    return next((i for i, (cue, _) in enumerate(answers) if cue in low), None)


def pick_answer(persona: Dict, last_reply: str, state: Dict) -> Optional[str]:
    """What the persona types next; updates `state` (its "turn" = messages sent so far).

    A due interjection comes first (each once). Else the first cue, in the persona's
    order, found in the reply's last line (the question; an article answer or a hint may
    come before it), else anywhere in the reply; with no cue at all (a hint without the
    question) the last cue again. A cue's answers are used in turn, the last one repeated.
    """
    upcoming, done = state.get("turn", 0) + 1, state.setdefault("interjected", [])
    for turn in sorted(persona["interject"]):
        if turn <= upcoming and turn not in done:
            done.append(turn)
            state["kind"] = "interject"
            return persona["interject"][turn]
    lines = [line for line in (last_reply or "").splitlines() if line.strip()]
    index = _first_cue(persona["answers"], lines[-1]) if lines else None
    if index is None:
        index = _first_cue(persona["answers"], last_reply or "")
    state["kind"] = "answer" if index is not None else "retry"
    index = state.get("last_cue") if index is None else index
    if index is None:
        state["kind"] = "none"
        return None
    used = state.setdefault("used", {})
    count = used[index] = used.get(index, 0) + 1
    state["last_cue"] = index
    texts = persona["answers"][index][1]
    return texts[min(count, len(texts)) - 1]


def outcome_of(reply: str) -> Optional[str]:
    """The outcome a reply shows: the earliest safety advice, else "exercises", else None."""
    found = [(reply.find(text), name) for name, text in SAFETY_OUTCOMES if text in reply]
    if found:
        return min(found)[1]
    return "exercises" if any(name in reply.lower() for name in EXERCISE_NAMES) else None


def shorten(text: str, limit: int = SHORTEN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def repeated_prompts(replies: Sequence, threshold: int = REPEAT_THRESHOLD) -> List[Dict]:
    """Bot messages seen `threshold`+ times in one conversation (shortened), with counts; a reply is
    the list of one turn's messages or one string."""
    counts: Counter = Counter()
    for reply in replies:
        for message in [reply] if isinstance(reply, str) else reply:
            message = " ".join(str(message).split())
            if message:
                counts[message] += 1
    return [{"text": shorten(text), "count": n} for text, n in counts.most_common() if n >= threshold]


# --- running ------------------------------------------------------------------


def rest_sender(base_url: str, timeout: float) -> Callable[[str, str], List[str]]:
    import requests

    url = base_url.rstrip("/") + WEBHOOK_PATH

    def send(sender: str, text: str) -> List[str]:
        response = requests.post(url, json={"sender": sender, "message": text}, timeout=timeout)
        response.raise_for_status()
        return [reply_text([m]) for m in response.json() if isinstance(m, dict) and m.get("text")]

    return send


def run_persona(persona: Dict, send: Callable[[str, str], List[str]]) -> Dict:
    sender = f"quality-{persona['name']}-{uuid.uuid4().hex[:8]}"
    state: Dict = {"turn": 0, "kind": "opener"}
    replies: List[List[str]] = []
    transcript: List[Dict] = []
    text, got, stop, error = persona["opener"], None, "max_turns", None
    while text is not None:
        try:
            messages = send(sender, text)
        except Exception as exc:  # reported per persona; the benchmark goes on
            got, stop, error = "error", "error", f"{type(exc).__name__}: {exc}"
            break
        state["turn"] += 1
        reply = "\n".join(messages)
        replies.append(messages)
        transcript.append({"user": text, "kind": state.get("kind"), "bot": reply})
        got = outcome_of(reply)
        if got == "exercises" and state.get("kind") == "interject":
            got = None  # an article answer to a question mid-form may name exercises: not the conclusion
        if got:
            stop = "outcome"
            break
        if state["turn"] >= persona["max_turns"]:
            break
        text = pick_answer(persona, reply, state)
        stop = "no_answer" if text is None else stop
    return {
        "persona": persona["name"],
        "expected": persona["expect"],
        "got": got or "none",
        "reached": got == persona["expect"],
        "turns": state["turn"],
        "stop": stop,
        "error": error,
        "repeats": repeated_prompts(replies),
        "transcript": transcript,
    }


def summarise(results: List[Dict]) -> Dict:
    total, reached = len(results), sum(r["reached"] for r in results)
    return {
        "personas": total,
        "reached": reached,
        "wrong_outcome": sum(1 for r in results if not r["reached"] and r["got"] in OUTCOMES),
        "no_outcome": sum(1 for r in results if r["got"] not in OUTCOMES),
        "reached_percent": round(100.0 * reached / total, 1) if total else 0.0,
        "mean_turns": round(sum(r["turns"] for r in results) / total, 1) if total else 0.0,
        "personas_with_repeats": [r["persona"] for r in results if r["repeats"]],
        "by_expected": {
            kind: {"personas": n, "reached": sum(r["reached"] for r in results if r["expected"] == kind)}
            for kind, n in sorted(Counter(r["expected"] for r in results).items())
        },
    }


def markdown(results: List[Dict], summary: Dict) -> str:
    lines = ["| persona | expected | got | reached | turns | repeats |", "|---|---|---|---|---|---|"]
    for r in results:
        repeats = "; ".join(f'{x["count"]}× "{x["text"]}"' for x in r["repeats"]).replace("|", "/") or "–"
        lines.append(
            f"| {r['persona']} | {r['expected']} | {r['got']} | {'yes' if r['reached'] else '**no**'} "
            f"| {r['turns']} | {repeats} |"
        )
    s, kinds = summary, summary["by_expected"].items()
    return "\n".join(
        lines
        + [
            "",
            f"**{s['reached']}/{s['personas']} personas reached their expected outcome ({s['reached_percent']}%)**; "
            f"{s['wrong_outcome']} wrong outcome, {s['no_outcome']} no outcome; mean turns {s['mean_turns']}.",
            "By expected outcome: " + ", ".join(f"{k} {v['reached']}/{v['personas']}" for k, v in kinds),
            "Personas with a repeated prompt: " + (", ".join(s["personas_with_repeats"]) or "none"),
        ]
    )


def start_assistant(work: Path) -> Tuple[str, Callable[[], None]]:
    """As benchmarks/conversation_load.py's bench_ours: free ports, own SQLite stores in `work`. (url, stop)"""
    from ops import build_steps, services

    build_steps.ensure_knowledge_base()
    model = build_steps.ensure_model()
    env, action_port, rasa_port = assistant_env(work)
    actions = services.action_server(action_port, work / "actions.log", env=env)
    rasa = services.rasa_server(model, rasa_port, work / "rasa.log", env=env)
    started: List = []
    try:
        print(f"==> starting the action server (:{action_port}) and Rasa server (:{rasa_port})", flush=True)
        started += [actions.start(), rasa.start()]
        actions.wait_healthy(120)
        rasa.wait_healthy(300)
    except BaseException:  # also Ctrl-C while waiting
        services.stop_all(started)
        raise
    return f"http://127.0.0.1:{rasa_port}", lambda: services.stop_all(started)


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="benchmarks/conversation_quality.py",
        description=("Scripted personas talk to the assistant over REST: does each reach its expected outcome?"),
    )
    add = parser.add_argument
    add("--url", help="a running Rasa server, e.g. http://127.0.0.1:5005 (default: start one here)")
    add("--personas", type=Path, default=PERSONAS_FILE, help="personas YAML file (default benchmarks/personas.yml)")
    add("--out", type=Path, default=ROOT / "results" / "conversation_quality.json", help="JSON results file")
    add("--timeout", type=float, default=DEFAULT_TIMEOUT, help="per-request timeout in s (default 30)")
    add("--keep-temp", action="store_true", help="keep the temp folder (server logs, databases)")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    personas = load_personas(args.personas)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # stop the servers on `kill` too
    report: Dict = {
        "meta": {
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "personas_file": str(args.personas),
            "url": args.url,
        }
    }
    work = Path(tempfile.mkdtemp(prefix="conversation-quality-"))
    stop, results, keep, code = None, [], args.keep_temp, 0
    try:
        url = args.url
        if not url:
            url, stop = start_assistant(work)
            report["meta"]["url"] = url
        send, t0 = rest_sender(url, args.timeout), time.monotonic()
        for persona in personas:
            r = run_persona(persona, send)
            results.append(r)
            print(f"    {r['persona']}: {r['got']} ({'reached' if r['reached'] else 'MISSED'}, {r['turns']} turns)")
        report["meta"]["seconds"] = round(time.monotonic() - t0, 1)
    except KeyboardInterrupt:
        report["interrupted"], keep, code = True, True, 130
        print("\n==> interrupted", file=sys.stderr)
    except (RuntimeError, TimeoutError) as error:
        report["error"], keep, code = str(error), True, 1
        print(f"error: {error}", file=sys.stderr)
    finally:
        if stop:
            stop()
        if keep and not args.url:
            print(f"==> temp folder kept (server logs): {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report.update({"summary": summarise(results), "results": results})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print("\n" + markdown(results, report["summary"]) + f"\n\n==> results written to {args.out}")
    return code


if __name__ == "__main__":
    sys.exit(main())
