"""The load benchmark's report: the targets checked, and markdown tables of the figures.

Systems are columns of the per-level tables (as in earlier runs' output), and
rows of the summary that puts the speed-ups on and off next to the starter bot.
"""

from __future__ import annotations

from typing import Dict, List, Optional

# The systems under load (JSON keys of report["targets"]), in the order they run and are reported.
OURS, OURS_SPEEDUPS_OFF, BASELINE = "ours", "ours_speedups_off", "baseline"
SYSTEMS = {
    OURS: "our assistant (speed-ups on)",
    OURS_SPEEDUPS_OFF: "our assistant (speed-ups off)",
    BASELINE: "starter bot (baseline)",
}

# Targets printed next to the figures, checked on our assistant as it ships (speed-ups on).
TARGET_P95_MS = 300.0
TARGET_P95_LEVEL = 50
TARGET_ERRORS = 0
TARGET_TRAINING_SECONDS = 300.0


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
    ours = report.get("targets", {}).get(OURS) or {}
    levels = ours.get("levels", {})
    at = levels.get(str(TARGET_P95_LEVEL), {})
    p95 = (at.get("latency") or {}).get("p95_ms")
    errors = sum(level.get("errors", 0) for level in levels.values()) if levels else None
    training = report.get("training", {}).get(OURS, {})
    seconds = training.get("retrain_seconds") or training.get("sidecar_seconds")
    return {
        "p95_at_50": {
            "value_ms": p95,
            "target_ms": TARGET_P95_MS,
            "met": None if p95 is None else p95 <= TARGET_P95_MS,
        },
        "errors": {
            "value": errors,
            "target": TARGET_ERRORS,
            "met": None if errors is None else errors <= TARGET_ERRORS,
        },
        "training": {
            "value_s": seconds,
            "target_s": TARGET_TRAINING_SECONDS,
            "met": None if seconds is None else seconds <= TARGET_TRAINING_SECONDS,
        },
    }


def markdown(report: Dict) -> str:
    targets_ = report.get("targets", {})
    names = [n for n in SYSTEMS if targets_.get(n)]
    header = ["metric"] + [SYSTEMS[n] for n in names] + ["target"]

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
    all_levels = sorted({int(level) for n in names for level in targets_[n].get("levels", {})})
    lines += summary_rows(targets_, names, all_levels)
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
            ["errors"]
            + [
                fmt(per[n].get("errors")) + (f" {per[n]['errors_by_kind']}" if per[n].get("errors") else "")
                for n in names
            ]
            + [str(TARGET_ERRORS)],
            ["unexpected replies"] + [fmt(per[n].get("mismatches")) for n in names] + [""],
            ["conversations started / completed"]
            + [
                f"{fmt(per[n].get('conversations_started'))} / {fmt(per[n].get('conversations_completed'))}"
                for n in names
            ]
            + [""],
            ["CPU per turn, Rasa server (ms)"]
            + [fmt(per[n].get("cpu_ms_per_turn", {}).get("rasa"), 1) for n in names]
            + [""],
            ["CPU per turn, action server (ms)"]
            + [fmt(per[n].get("cpu_ms_per_turn", {}).get("actions"), 1) for n in names]
            + [""],
            ["peak RSS Rasa server (MB)"] + [mb(per[n].get("peak_rss_bytes", {}).get("rasa")) for n in names] + [""],
            ["peak RSS action server (MB)"]
            + [mb(per[n].get("peak_rss_bytes", {}).get("actions")) for n in names]
            + [""],
        ]
        lines += ["", f"### {level} concurrent conversation{'s' if level != 1 else ''}", ""] + table(rows)

    training = report.get("training", {})
    ours_t = training.get(OURS, {})
    base_t = training.get(BASELINE, {})

    def train_cell(n):
        if n == BASELINE:
            seconds = base_t.get("training_seconds")
            return "–" if seconds is None else f"{seconds:.0f} s (rasa init)"
        parts = []  # one model, trained once, serves both settings of the speed-ups
        if ours_t.get("sidecar_seconds") is not None:
            parts.append(f"{ours_t['sidecar_seconds']:.0f} s (model sidecar)")
        if ours_t.get("retrain_seconds") is not None:
            parts.append(f"{ours_t['retrain_seconds']:.0f} s (fresh, this run)")
        return ", ".join(parts) or "unknown (no sidecar; use --retrain)"

    general = [
        ["training time"] + [train_cell(n) for n in names] + [f"≤ {TARGET_TRAINING_SECONDS / 60:.0f} min"],
        ["server start-up until healthy (s)"] + [fmt(targets_[n].get("startup_seconds"), 1) for n in names] + [""],
        ["idle RSS Rasa server (MB)"] + [mb(targets_[n].get("idle_rss_bytes", {}).get("rasa")) for n in names] + [""],
        ["idle RSS action server (MB)"]
        + [mb(targets_[n].get("idle_rss_bytes", {}).get("actions")) for n in names]
        + [""],
        ["RSS after warm-up Rasa / actions (MB)"]
        + [
            f"{mb(targets_[n].get('after_warm_up_rss_bytes', {}).get('rasa'))} / "
            f"{mb(targets_[n].get('after_warm_up_rss_bytes', {}).get('actions'))}"
            for n in names
        ]
        + [""],
        ["Rasa speed-ups (as the Rasa server logged)"] + [speedups_cell(targets_[n]) for n in names] + [""],
        ["first warm-up turn (ms)"]
        + [fmt((targets_[n].get("warm_up") or [{}])[0].get("latency_ms")) for n in names]
        + [""],
    ]
    if names:
        lines += ["", "### Training and memory", ""] + table(general)

    checks = report.get("target_check") or targets(report)
    lines += [
        "",
        "### Targets (our assistant, speed-ups on)",
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


def speedups_cell(result: Dict) -> str:
    """on / off as the server's start-up line said; the requested setting when it said nothing."""
    said = (result.get("speedups") or {}).get("rasa_log")
    if said:
        return "on" if said.startswith("Rasa speed-ups on") else "off"
    setting = (result.get("speedups") or {}).get("setting")
    return f"{setting} (not logged)" if setting else "–"


def summary_rows(targets_: Dict, names: List[str], levels: List[int]) -> List[str]:
    """One row per system and level: the speed-ups on and off next to the starter bot."""
    if not names:
        return []
    lines = [
        "",
        "### Speed-ups on and off, next to the starter bot",
        "",
        "| system | concurrent | p50 (ms) | p95 (ms) | p99 (ms) | turns/s | errors | CPU per turn, Rasa server (ms) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for level in levels:
        for n in names:
            at = targets_[n].get("levels", {}).get(str(level))
            if not at:
                continue
            lat = at.get("latency") or {}
            cells = [
                SYSTEMS[n],
                str(level),
                fmt(lat.get("p50_ms")),
                fmt(lat.get("p95_ms")),
                fmt(lat.get("p99_ms")),
                fmt(at.get("throughput_turns_per_s"), 1),
                fmt(at.get("errors")),
                fmt((at.get("cpu_ms_per_turn") or {}).get("rasa"), 1),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return lines
