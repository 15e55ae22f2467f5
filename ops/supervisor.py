"""Keeping the assistant's processes running: restart what dies, with a growing pause.

`./assistant run` used to stop everything when one process died. The
Supervisor instead starts a dead process again after 1, 2, 4 ... seconds (up
to `max_delay`); a process that then stays up for `stable_after` seconds has
its count of failures forgotten. Only `give_up_after` failures in a row, each
before the process had been up `stable_after` seconds, make it give up (a
process that cannot start at all: bad model, port taken). Each restart is
reported with the exit code and the log file to read.

Plain logic over anything with `name`, `log_path`, `process` (a Popen or
look-alike) and `start()`; the clock and the output are injected, so
tests/test_fault_supervisor.py drives it with fake processes and a fake
clock. It also runs periodic `Job`s (the retry of the trainer's notification
emails) in a background thread, one run of a job at a time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 60.0
    stable_after: float = 300.0  # up this long: earlier failures are forgotten
    give_up_after: int = 6  # failures in a row, each before stable_after

    def delay(self, failures: int) -> float:
        """The pause before restart number `failures` (1 = the first)."""
        return min(self.max_delay, self.first_delay * 2 ** max(0, failures - 1))


@dataclass
class Job:
    """Something to run every `every` seconds (first run at once), off the supervisor's loop."""

    name: str
    every: float
    run: Callable[[], object]
    next_at: float = 0.0
    running: Optional[threading.Thread] = None


@dataclass
class _Watch:
    started_at: float
    failures: int = 0  # in a row, each before stable_after
    restart_at: Optional[float] = None  # dead, to be started again at this time
    restarts: int = 0


@dataclass
class Supervisor:
    services: Sequence[object]
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    clock: Callable[[], float] = time.monotonic
    say: Callable[[str], None] = print
    jobs: List[Job] = field(default_factory=list)
    gave_up: Optional[str] = None

    def __post_init__(self) -> None:
        now = self.clock()
        self._watch: Dict[int, _Watch] = {id(service): _Watch(now) for service in self.services}

    def check(self) -> Optional[str]:
        """One look at every process (call about once a second); why it gave up, or None."""
        if self.gave_up:
            return self.gave_up
        now = self.clock()
        for service in self.services:
            watch = self._watch[id(service)]
            if watch.restart_at is not None:
                if now >= watch.restart_at:
                    self._restart(service, watch, now)
                continue
            code = _exit_code(service)
            if code is None:
                if watch.failures and now - watch.started_at >= self.policy.stable_after:
                    watch.failures = 0  # stayed up: a later death starts again from the shortest pause
                continue
            self._died(service, watch, code, now)
            if self.gave_up:
                return self.gave_up
        self._run_due_jobs(now)
        return None

    def restarts(self, service) -> int:
        return self._watch[id(service)].restarts

    def _died(self, service, watch: _Watch, code: int, now: float) -> None:
        uptime = now - watch.started_at
        watch.failures = watch.failures + 1 if uptime < self.policy.stable_after else 1
        where = f"see {service.log_path}"
        if watch.failures >= self.policy.give_up_after:
            self.gave_up = (
                f"{service.name} exited with code {code} {watch.failures} times in a row, each within "
                f"{self.policy.stable_after:.0f}s of starting; giving up ({where})"
            )
            self.say(f"error: {self.gave_up}")
            return
        pause = self.policy.delay(watch.failures)
        watch.restart_at = now + pause
        self.say(
            f"warning: {service.name} exited with code {code} after {uptime:.0f}s; "
            f"starting it again in {pause:.0f}s ({where})"
        )

    def _restart(self, service, watch: _Watch, now: float) -> None:
        watch.restart_at = None
        watch.started_at = now
        watch.restarts += 1
        try:
            service.start()
        except Exception as error:  # noqa: BLE001 - counts as one more failure, reported the same way
            self.say(f"warning: could not start {service.name}: {error}")
            self._died(service, watch, -1, now)
            return
        self.say(f"==> {service.name} started again (restart {watch.restarts})")

    def _run_due_jobs(self, now: float) -> None:
        for job in self.jobs:
            if now < job.next_at or (job.running is not None and job.running.is_alive()):
                continue
            job.next_at = now + job.every
            job.running = threading.Thread(target=self._run_job, args=(job,), name=f"job-{job.name}", daemon=True)
            job.running.start()

    def _run_job(self, job: Job) -> None:
        try:
            job.run()
        except Exception as error:  # noqa: BLE001 - a job's failure never stops the supervisor
            self.say(f"warning: {job.name} failed: {type(error).__name__}: {error}")


def _exit_code(service) -> Optional[int]:
    process = getattr(service, "process", None)
    return None if process is None else process.poll()
