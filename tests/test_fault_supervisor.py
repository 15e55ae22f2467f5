"""ops/supervisor.py with fake processes and a fake clock: restarts, backoff, giving up, jobs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from ops.supervisor import Job, RestartPolicy, Supervisor


class FakeProcess:
    def __init__(self) -> None:
        self.returncode = None

    def poll(self):
        return self.returncode


class FakeService:
    def __init__(self, name: str, fail_to_start: bool = False) -> None:
        self.name = name
        self.log_path = Path(f"logs/{name}.log")
        self.process = FakeProcess()
        self.starts = 0
        self.fail_to_start = fail_to_start

    def start(self):
        if self.fail_to_start:
            raise RuntimeError("port taken")
        self.starts += 1
        self.process = FakeProcess()
        return self

    def die(self, code: int = 1) -> None:
        self.process.returncode = code


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def supervise(services, clock, **policy):
    lines = []
    watcher = Supervisor(services, policy=RestartPolicy(**policy), clock=clock, say=lines.append)
    return watcher, lines


def run_for(watcher, clock, seconds: float, step: float = 1.0):
    """Call check() once a (fake) second, as `./assistant run` does."""
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        verdict = watcher.check()
        if verdict:
            return verdict
    return None


def test_a_dead_process_is_started_again_after_a_pause_and_the_reason_is_given(clock):
    actions, rasa = FakeService("actions"), FakeService("rasa")
    watcher, lines = supervise([actions, rasa], clock)
    actions.die(-9)
    assert watcher.check() is None
    assert actions.starts == 0 and "actions exited with code -9" in lines[-1] and "logs/actions.log" in lines[-1]
    run_for(watcher, clock, 1)
    assert actions.starts == 1 and rasa.starts == 0
    assert watcher.restarts(actions) == 1


def test_pauses_double_up_to_the_longest_and_reset_once_it_stays_up(clock):
    actions = FakeService("actions")
    watcher, lines = supervise([actions], clock, max_delay=8, stable_after=100, give_up_after=99)
    pauses = []
    for _ in range(6):
        actions.die()
        watcher.check()
        died_at = clock.now
        starts = actions.starts
        while actions.starts == starts:
            clock.now += 0.5
            watcher.check()
        pauses.append(clock.now - died_at)
    assert pauses == [1, 2, 4, 8, 8, 8]
    run_for(watcher, clock, 100)  # up long enough: the next death gets the shortest pause again
    actions.die()
    watcher.check()
    assert "again in 1s" in lines[-1]


def test_it_gives_up_after_repeated_fast_failures_only(clock):
    rasa = FakeService("rasa")
    watcher, lines = supervise([rasa], clock, stable_after=60, give_up_after=3)
    verdict = None
    for _ in range(3):
        rasa.die(2)
        verdict = run_for(watcher, clock, 10)
    assert verdict and "rasa exited with code 2 3 times in a row" in verdict and "logs/rasa.log" in verdict
    assert rasa.starts == 2
    assert watcher.check() == verdict  # stays given up


def test_slow_failures_never_make_it_give_up(clock):
    rasa = FakeService("rasa")
    watcher, _ = supervise([rasa], clock, stable_after=60, give_up_after=2)
    for _ in range(5):
        assert run_for(watcher, clock, 61) is None  # up for longer than stable_after each time
        rasa.die()
        assert run_for(watcher, clock, 2) is None
    assert rasa.starts == 5


def test_a_process_that_cannot_even_be_started_counts_as_failing(clock):
    website = FakeService("website")
    watcher, lines = supervise([website], clock, give_up_after=3)
    website.fail_to_start = True
    website.die()
    verdict = run_for(watcher, clock, 30)
    assert verdict and "website" in verdict
    assert any("could not start website: port taken" in line for line in lines)


def test_jobs_run_at_their_interval_never_twice_at_once(clock):
    release = threading.Event()
    runs = []

    def job():
        runs.append(clock.now)
        release.wait(5)

    watcher = Supervisor([], clock=clock, say=lambda _: None, jobs=[Job("emails", 10, job)])
    watcher.check()  # first run at once
    clock.now += 10
    watcher.check()  # still running: not started again
    release.set()
    watcher.jobs[0].running.join(5)
    clock.now += 1
    watcher.check()
    watcher.jobs[0].running.join(5)
    assert len(runs) == 2


def test_a_failing_job_is_reported_and_does_not_stop_anything(clock):
    lines = []

    def broken():
        raise OSError("smtp down")

    watcher = Supervisor([], clock=clock, say=lines.append, jobs=[Job("emails", 10, broken)])
    assert watcher.check() is None
    watcher.jobs[0].running.join(5)
    assert lines == ["warning: emails failed: OSError: smtp down"]
