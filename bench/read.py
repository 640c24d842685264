"""Reading throughput and memory: stream all of ../shared/corpus/*.jsonl.gz through `read_papers`.

Prints records, seconds, records/s, peak RSS, and the RSS after 10% of the records next to the RSS
near the end: reading streams (buffers stay the same size whatever the file size), so the only
growth is the id -> content-hash map that merges duplicates, about 170 bytes per distinct paper.

    .venv/bin/python bench/read.py [GLOB ...]
"""

from __future__ import annotations

import glob
import resource
import sys
import time
from pathlib import Path

from kgbuild.reading import ReadReport, read_papers

DEFAULT = str(Path(__file__).resolve().parents[2] / "shared" / "corpus" / "*.jsonl.gz")


def current_rss_mb() -> float:
    """Resident set size now (Linux /proc), in MB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def peak_rss_mb() -> float:
    """Peak resident set size so far (ru_maxrss is in KB on Linux), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def main(patterns: list[str]) -> None:
    files = sorted(f for pattern in patterns for f in glob.glob(pattern))
    if not files:
        sys.exit(f"no files match {patterns}")
    report = ReadReport()
    samples: list[tuple[int, float]] = []
    start_rss = current_rss_mb()
    start = time.perf_counter()
    cpu_start = time.process_time()
    count = 0
    characters = 0
    for paper in read_papers(files, report=report):
        count += 1
        characters += len(paper.abstract)
        if count % 1000 == 0:
            samples.append((count, current_rss_mb()))
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    if not samples:
        sys.exit("fewer than 1,000 records: nothing to measure")
    at_tenth = min(samples, key=lambda s: abs(s[0] - count / 10))
    at_end = samples[-1]
    print(f"files:            {len(files)}")
    print(f"records:          {count:,} ({report.summary()})")
    print(f"seconds:          {seconds:.1f}")
    print(f"records/s:        {count / seconds:,.0f} (wall clock)")
    print(f"records/CPU-s:    {count / cpu_seconds:,.0f} (CPU time of this process: {cpu_seconds:.1f} s)")
    print(f"abstract chars/s: {characters / seconds:,.0f}")
    print(f"RSS before:       {start_rss:.1f} MB")
    print(f"RSS at {at_tenth[0]:,} records (10%): {at_tenth[1]:.1f} MB")
    print(f"RSS at {at_end[0]:,} records (end): {at_end[1]:.1f} MB")
    print(f"RSS after reading: {current_rss_mb():.1f} MB (the reader is done; freed memory stays with the allocator)")
    print(f"peak RSS:         {peak_rss_mb():.1f} MB")
    growth = (at_end[1] - at_tenth[1]) * 1e6 / max(at_end[0] - at_tenth[0], 1)
    print(f"growth after 10%: {growth:.0f} bytes per record (the duplicate map)")


if __name__ == "__main__":
    main(sys.argv[1:] or [DEFAULT])
