"""Training for the load benchmark: our model's training time, and Rasa's starter bot.

Our model's time comes from its sidecar json (ops.build_steps), or from a fresh
timed training with --retrain; `rasa init --no-prompt` creates and trains the
starter bot that the benchmark runs as its baseline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent

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
    from ops import build_steps

    argv = build_steps.train_argv(out, "benchmark-retrain")
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
