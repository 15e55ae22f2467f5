"""Build steps that only redo work when their inputs changed.

Both the knowledge base and the Rasa model are named or stamped by a hash of
everything they are built from, so a second `./assistant run` with nothing
changed takes seconds, and tests share one trained model.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List

import settings

ROOT = settings.ROOT

# What a trained model depends on. Custom NLU components are code the model runs.
MODEL_INPUTS = ["config.yml", "domain.yml", "bot/data", "bot/nlu_components"]
KNOWLEDGE_INPUTS = ["knowledge/vocabulary.yml", "knowledge"]


def _files(paths: Iterable[str]) -> List[Path]:
    found = []
    for rel in paths:
        path = ROOT / rel
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(
                p
                for p in path.rglob("*")
                if p.is_file()
                and "__pycache__" not in p.parts
                and p.suffix not in {".db", ".pyc"}
                and not p.name.startswith(".")
            )
    return sorted(set(found))


def fingerprint(paths: Iterable[str], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in _files(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# --- knowledge base -------------------------------------------------------


def knowledge_stamp_path() -> Path:
    return ROOT / "knowledge" / ".build-stamp"


def ensure_knowledge_base(force: bool = False) -> bool:
    """Build the knowledge base when sources, vocabulary or builder changed."""
    want = fingerprint(KNOWLEDGE_INPUTS + [str(settings.KNOWLEDGE_SOURCES)], extra=settings.KNOWLEDGE_DB_URL)
    stamp = knowledge_stamp_path()
    if not force and stamp.exists() and stamp.read_text().strip() == want:
        return False
    print("==> building the knowledge base from", settings.KNOWLEDGE_SOURCES, flush=True)
    from knowledge.build import build

    started = time.monotonic()
    stats = build(settings.KNOWLEDGE_SOURCES, settings.KNOWLEDGE_DB_URL, ROOT / "knowledge" / "vocabulary.yml")
    print(f"    built in {time.monotonic() - started:.1f}s: {stats}", flush=True)
    stamp.write_text(want)
    return True


# --- Rasa model -----------------------------------------------------------


def model_fingerprint() -> str:
    return fingerprint(MODEL_INPUTS)


def model_path() -> Path:
    """The model for the current training data (may not exist yet)."""
    return settings.MODEL_DIR / f"model-{model_fingerprint()}.tar.gz"


def train_argv(out: Path, model_name: str) -> List[str]:
    """`rasa train` on the project's data into `out` as `model_name`.tar.gz (also the benchmark's retraining)."""
    return [
        sys.executable,
        "-m",
        "rasa",
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "bot/data",
        "--out",
        str(out),
        "--fixed-model-name",
        model_name,
        "--force",  # the caller has decided that training is needed (our fingerprint, or a timed run)
    ]


def ensure_model(force: bool = False) -> Path:
    """Train a model unless one for exactly this data already exists."""
    from ops import nlu_from_vocabulary

    nlu_from_vocabulary.write()  # part of the training data, so before the fingerprint
    target = model_path()
    if target.exists() and not force:
        return target
    settings.MODEL_DIR.mkdir(parents=True, exist_ok=True)
    settings.LOG_DIR.mkdir(parents=True, exist_ok=True)
    print(f"==> training the Rasa model {target.name} (takes a few minutes; log: logs/train.log)", flush=True)
    started = time.monotonic()
    argv = train_argv(settings.MODEL_DIR, target.name[: -len(".tar.gz")])
    env = {**os.environ, **settings.rasa_environment(), "PYTHONPATH": str(ROOT)}
    with open(settings.LOG_DIR / "train.log", "wb") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout
        for line in proc.stdout:
            log.write(line)
            text = line.decode("utf-8", "replace")
            # Show progress (epochs, components) without TensorFlow's chatter.
            if "Epochs:" in text or "Finished training component" in text or "Your Rasa model" in text:
                sys.stdout.write("    " + text.strip()[-160:] + "\n")
                sys.stdout.flush()
        if proc.wait() != 0:
            raise SystemExit(f"training failed; see {settings.LOG_DIR / 'train.log'}")
    seconds = time.monotonic() - started
    (settings.MODEL_DIR / f"{target.name}.json").write_text(json.dumps({"training_seconds": round(seconds, 1)}))
    print(f"    trained in {seconds:.0f}s", flush=True)
    _prune_old_models(keep=target)
    return target


def _prune_old_models(keep: Path, how_many: int = 2) -> None:
    """Models are ~30 MB each and named by data hash: keep only the newest few."""
    models = sorted(settings.MODEL_DIR.glob("model-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [m for m in models if m != keep][how_many - 1 :]:
        old.unlink(missing_ok=True)
        Path(f"{old}.json").unlink(missing_ok=True)
