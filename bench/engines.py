"""Dask or Ray for spreading extraction over processes: measured on the same abstracts in one run.

    .venv/bin/pip install ray            # Ray is not a kgbuild dependency; without it only Dask runs
    .venv/bin/python bench/engines.py --n 10000 --workers 2

Both engines run `kgbuild.extraction.pipeline._extract_chunk` (the function `kgbuild extract --engine dask`
uses) on chunks of `--chunk` papers, all submitted at once, on a local cluster of `--workers` single-threaded
worker processes; the single-process run over the same papers is the reference. For each it prints start-up
time (cluster up), extraction time (first submit to last result, spaCy pipeline loading in the workers
included), papers/s, speed-up over one process, peak RSS of the whole process tree (driver, scheduler or
raylet, workers; polled every 0.2 s), and whether the output equals the single-process output exactly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rss import PeakRss  # noqa: E402  (bench/rss.py, beside this script)

from kgbuild.extraction.pipeline import _extract_chunk, extract_papers  # noqa: E402
from kgbuild.reading import read_papers  # noqa: E402
from kgbuild.records import ExtractedPaper, Paper  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def chunks(papers: list[Paper], size: int) -> list[list[Paper]]:
    it = iter(papers)
    return list(iter(lambda: list(islice(it, size)), []))


def run_dask(parts: list[list[Paper]], mode: str, workers: int) -> tuple[float, float, list[ExtractedPaper]]:
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    up = time.perf_counter() - start
    try:
        start = time.perf_counter()
        futures = [client.submit(_extract_chunk, part, mode, 256, pure=False) for part in parts]
        out = [ep for result in client.gather(futures) for ep in result]
        return up, time.perf_counter() - start, out
    finally:
        client.close()
        cluster.close()


def run_ray(parts: list[list[Paper]], mode: str, workers: int) -> tuple[float, float, list[ExtractedPaper]]:
    import ray

    start = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, configure_logging=False)
    up = time.perf_counter() - start
    try:
        remote = ray.remote(num_cpus=1)(_extract_chunk)
        start = time.perf_counter()
        refs = [remote.remote(part, mode, 256) for part in parts]
        out = [ep for result in ray.get(refs) for ep in result]
        return up, time.perf_counter() - start, out
    finally:
        ray.shutdown()


def load_papers(n: int) -> list[Paper]:
    """The first `n` abstracts, round-robin over the corpus files (every field represented)."""
    files = sorted(CORPUS.glob("abstracts-*.jsonl.gz"))
    streams = [iter(read_papers([f])) for f in files]
    papers: list[Paper] = []
    while len(papers) < n and streams:
        for stream in list(streams):
            paper = next(stream, None)
            if paper is None:
                streams.remove(stream)
            elif len(papers) < n:
                papers.append(paper)
    return papers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--mode", default="fast", choices=["fast", "accurate"])
    args = ap.parse_args()

    papers = load_papers(args.n)
    words = sum(len(f"{p.title} {p.abstract}".split()) for p in papers)
    parts = chunks(papers, args.chunk)
    print(f"{len(papers):,} abstracts ({words:,} words), mode {args.mode}, {len(parts)} chunks of {args.chunk}, "
          f"{args.workers} workers; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")

    with PeakRss() as rss:
        start = time.perf_counter()
        reference = list(extract_papers(papers, mode=args.mode, n_process=1))
        single = time.perf_counter() - start
    expected = [asdict(ep) for ep in reference]
    del reference
    print(f"  single process: {single:7.1f} s, {len(papers) / single:7.0f} papers/s, "
          f"peak RSS {rss.peak / 2**20:,.0f} MiB")

    engines: dict[str, Callable[..., tuple[float, float, list[ExtractedPaper]]]] = {"dask": run_dask}
    try:
        import ray  # noqa: F401

        engines["ray"] = run_ray
    except ImportError:
        print("  ray: not installed (pip install ray), skipped")
    results = {}
    for name, run in engines.items():
        with PeakRss() as rss:
            up, seconds, out = run(parts, args.mode, args.workers)
        same = [asdict(ep) for ep in out] == expected
        results[name] = {"startup_s": round(up, 2), "extract_s": round(seconds, 2),
                         "papers_per_s": round(len(papers) / seconds, 1), "speedup": round(single / seconds, 2),
                         "peak_rss_mib": round(rss.peak / 2**20), "equals_single_process": same}
        print(f"  {name:5s}: start-up {up:5.1f} s, extraction {seconds:7.1f} s, {len(papers) / seconds:7.0f} papers/s "
              f"({single / seconds:.2f}x one process), peak RSS {rss.peak / 2**20:,.0f} MiB, "
              f"output {'equals' if same else 'DIFFERS FROM'} the single-process output")
    print(json.dumps({"n": len(papers), "words": words, "single_s": round(single, 2), **results}))


if __name__ == "__main__":
    main()
