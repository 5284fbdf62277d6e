"""Peak resident memory and CPU time of each service (with its child processes) while a benchmark runs."""

from __future__ import annotations

import threading
from typing import Dict

import psutil

MB = 1_000_000


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


class PeakRss:
    """Samples every ``interval`` seconds in a background thread.

    ``peaks()`` is in MB (10⁶ bytes), the unit the targets are stated in.
    """

    def __init__(self, pids: Dict[str, int], interval: float = 0.25) -> None:
        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self._peak: Dict[str, int] = {name: 0 for name in pids}
        self._peak_total = 0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def sample(self) -> None:
        total = 0
        for name, process in self._processes.items():
            try:
                rss = _tree_rss(process)
            except psutil.NoSuchProcess:
                continue
            self._peak[name] = max(self._peak[name], rss)
            total += rss
        self._peak_total = max(self._peak_total, total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def cpu_seconds(self) -> Dict[str, float]:
        """User + system CPU time of each service so far (with its children): robust to a busy machine."""
        result: Dict[str, float] = {}
        for name, process in self._processes.items():
            total = 0.0
            for member in [process, *process.children(recursive=True)]:
                try:
                    times = member.cpu_times()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                total += times.user + times.system
            result[name] = total
        return result

    def peaks(self) -> Dict[str, float]:
        result = {name: round(value / MB, 1) for name, value in self._peak.items()}
        result["total"] = round(self._peak_total / MB, 1)
        return result
