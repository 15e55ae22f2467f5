"""Rasa's own checks of the training data and the trained dialogue model."""

from __future__ import annotations

import os
import subprocess
import sys

import settings


def rasa(*args: str, timeout: float = 900, module: str = "rasa") -> subprocess.CompletedProcess:
    """Rasa's command line (or a module wrapping it) with the project's environment."""
    env = {**os.environ, **settings.rasa_environment(), "PYTHONPATH": str(settings.ROOT)}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=settings.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_training_data_is_valid():
    result = rasa("data", "validate", "--data", "bot/data", "--domain", "domain.yml", "--config", "config.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_story_conversations_are_predicted_exactly(trained_model, tmp_path):
    # Name the stories folder: bare `rasa test` walks into .rasa/cache and crashes.
    result = rasa(
        "test",
        "core",
        "--stories",
        "tests/stories",
        "--model",
        str(trained_model),
        "--out",
        str(tmp_path / "results"),
        "--fail-on-prediction-errors",
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_story_test_messages_are_not_training_examples():
    import yaml

    from tests.heldout import training_copy

    copies = []
    for path in sorted((settings.ROOT / "tests" / "stories").glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                text = " ".join(str(step.get("user") or "").split())
                if len(text.split()) >= 4 and training_copy(text):
                    copies.append((path.name, text))
    assert not copies, copies
