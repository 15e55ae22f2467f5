"""Memory and CPU of the servers under load, read from /proc (no psutil)."""

from __future__ import annotations

import os
import threading
from typing import Dict, List, Optional

SAMPLE_INTERVAL = 0.5


def read_rss_kb(pid: int) -> Optional[int]:
    """VmRSS of one process in kB; None when it is gone (or a kernel thread without one)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
        return None
    return None


def children_map() -> Dict[int, List[int]]:
    """ppid -> child pids, from one scan of /proc/<pid>/stat."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # "pid (comm) state ppid ...": comm may contain spaces and parentheses
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 2:
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def process_tree(pid: int, children: Optional[Dict[int, List[int]]] = None) -> List[int]:
    children = children_map() if children is None else children
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        if current in tree:
            continue
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def tree_rss_bytes(pid: int, children: Optional[Dict[int, List[int]]] = None) -> int:
    """Resident memory of a process and all its descendants (shared pages counted per process)."""
    return sum((read_rss_kb(p) or 0) for p in process_tree(pid, children)) * 1024


def read_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()  # fields[11], [12]: utime, stime
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int, children: Optional[Dict[int, List[int]]] = None) -> float:
    """CPU time of a process and its live descendants.

    CPU per turn is measured alongside latency because it hardly depends on
    queueing, so it compares code changes on a machine whose speed varies.
    """
    return sum(read_cpu_seconds(p) for p in process_tree(pid, children))


class RssSampler:
    """Samples tree RSS of named processes every `interval` seconds in a daemon thread; keeps peaks."""

    def __init__(self, pids: Dict[str, int], interval: float = SAMPLE_INTERVAL) -> None:
        self.pids = dict(pids)
        self.interval = interval
        self.peaks: Dict[str, int] = {name: 0 for name in self.pids}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def sample(self) -> Dict[str, int]:
        children = children_map()
        now = {name: tree_rss_bytes(pid, children) for name, pid in self.pids.items()}
        for name, value in now.items():
            self.peaks[name] = max(self.peaks[name], value)
        self.samples += 1
        return now

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()  # one last reading at the end of the level
