"""Peak resident memory of a process tree, polled in a thread (shared by the bench scripts)."""

from __future__ import annotations

import contextlib
import threading

import psutil


class PeakRss:
    """Largest summed RSS of process `pid` (default: this one) and all its descendants, in bytes.

    Use as a context manager around the work; `peak` holds the figure afterwards.
    """

    def __init__(self, pid: int | None = None, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        try:
            root = psutil.Process(self.pid)
            while not self._done.is_set():
                total = 0
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += proc.memory_info().rss
                self.peak = max(self.peak, total)
                self._done.wait(self.interval)
        except psutil.Error:
            return  # the process has ended

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
