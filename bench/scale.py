"""End-to-end `kgbuild ingest` at growing corpus sizes: wall time, peak RSS, where the time goes, re-run cost.

    .venv/bin/python bench/scale.py                          # 10k and 50k abstracts, fast mode
    .venv/bin/python bench/scale.py --sizes 10000,50000,180000 --mode fast
    .venv/bin/python bench/scale.py --sizes 2000 --mode accurate
    .venv/bin/python bench/scale.py --sizes 180000 --bulk       # also the neo4j-admin import path

For each size N (the first N records of the corpus files, round-robin over all of them so every field is
represented) it runs, as separate processes, exactly what a user runs:

1. `python -m kgbuild.cli ingest SUBSET --rebuild --json` (first load: read, extract, assemble, load);
2. the same command without --rebuild (unchanged corpus);
3. with --bulk, also `... --rebuild --bulk` (neo4j-admin import of the same corpus), so the transactional
   and bulk loads are compared in one run.

Peak RSS is the largest sum of RSS over the ingest process and all its children (extraction workers),
polled every 0.2 s. Extraction words/s is set beside spaCy's bare English tokenizer over the same texts
in one process (the floor). Uses its own server instance ("neo4j-bench", port chosen freely; its database
is cleared) and stops it afterwards if it started it. The machine is shared: figures move with its load.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rss import PeakRss  # noqa: E402  (bench/rss.py, beside this script)

from kgbuild import server  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
BENCH_PASSWORD = "kgbuild-bench-pw"
BENCH_INSTANCE = "neo4j-bench"


def write_subset(n: int, out: Path) -> tuple[int, int, list[str]]:
    """The first `n` records, round-robin over the corpus files; (records, words, texts for the tokenizer)."""
    count = words = 0
    texts: list[str] = []
    with contextlib.ExitStack() as stack:
        sources = [stack.enter_context(gzip.open(p, "rt", encoding="utf-8"))
                   for p in sorted(CORPUS.glob("abstracts-*.jsonl.gz"))]
        with gzip.open(out, "wt", encoding="utf-8") as sink:
            while count < n and sources:
                for source in list(sources):
                    line = source.readline()
                    if not line:
                        sources.remove(source)
                        continue
                    record = json.loads(line)
                    text = f"{record['title']}. {record['abstract']}"
                    words += len(text.split())
                    texts.append(text)
                    sink.write(line)
                    count += 1
                    if count >= n:
                        break
    return count, words, texts


def tokenizer_words_per_second(texts: list[str], words: int) -> float:
    """spaCy's bare English tokenizer over the texts (one process): the floor for extraction."""
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    start = time.perf_counter()
    for _ in tokenizer.pipe(texts, batch_size=1000):
        pass
    return words / (time.perf_counter() - start)


def run_measured(command: list[str]) -> tuple[dict, float, float]:
    """Run `command`; (its JSON summary, wall seconds, peak RSS of it and its children in MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with PeakRss(process.pid) as rss:
        out, err = process.communicate()
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{err.strip()}")
    return json.loads(out), wall, rss.peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,50000", help="comma-separated abstract counts")
    ap.add_argument("--mode", default="fast", choices=["fast", "accurate"])
    ap.add_argument("--processes", type=int, default=0, help="extraction processes (0: ingest's default)")
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--bulk", action="store_true", help="also time `ingest --rebuild --bulk` on each size")
    args = ap.parse_args()

    home = (ROOT / ".kgbuild").resolve()
    started_here = server.status(home, BENCH_INSTANCE) is None
    info = server.start(home, BENCH_PASSWORD, instance=BENCH_INSTANCE, port=None, heap="2g")
    print(f"kgbuild ingest, mode {args.mode}, batch size {args.batch_size}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at start; server {info.uri} (instance {BENCH_INSTANCE}, heap 2g)")
    base = [sys.executable, "-m", "kgbuild.cli", "ingest", "--mode", args.mode, "--json", "--quiet",
            "--processes", str(args.processes), "--batch-size", str(args.batch_size),
            "--uri", info.uri, "--password", BENCH_PASSWORD]
    try:
        with tempfile.TemporaryDirectory(prefix="kgbuild-scale-") as tmp:
            for n in (int(s) for s in args.sizes.split(",")):
                data = Path(tmp) / f"abstracts-{n}.jsonl.gz"
                count, words, texts = write_subset(n, data)
                floor = tokenizer_words_per_second(texts, words)
                del texts
                first, wall, rss = run_measured([*base, str(data), "--rebuild"])
                stages = first["seconds_by_stage"]
                extract_wps = words / stages["extract"] if stages.get("extract") else 0.0
                print(f"\n{count:,} abstracts ({words:,} words); load average {os.getloadavg()[0]:.1f}")
                print(f"  first run:   {wall:8.1f} s wall, peak RSS {rss:,.0f} MiB (ingest + extraction workers)")
                print("    stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()))
                print(f"    extraction {extract_wps:,.0f} words/s; bare tokenizer {floor:,.0f} words/s "
                      f"(1 process); ratio {floor / extract_wps if extract_wps else 0:.1f}x")
                print(f"    load: {first['rows_written']:,} rows, {first['rows_per_second']:,.0f} rows/s; "
                      f"nodes {first['nodes']}; relationships {first['relationships']}")
                print("    ingest process peak RSS after each stage (MiB): "
                      + ", ".join(f"{k} {v:,}" for k, v in first.get("peak_rss_mib_by_stage", {}).items()))
                print(f"    per 1,000 abstracts: {1000 * wall / count:.2f} s")
                again, wall2, rss2 = run_measured([*base, str(data)])
                assert again["up_to_date"] and again["rows_written"] == 0, again
                print(f"  unchanged re-run: {wall2:6.1f} s wall ({100 * wall2 / wall:.1f}% of the first run), "
                      f"peak RSS {rss2:,.0f} MiB")
                if args.bulk:
                    bulk, wall3, rss3 = run_measured([*base, str(data), "--rebuild", "--bulk"])
                    assert bulk["nodes"] == first["nodes"] and bulk["relationships"] == first["relationships"], bulk
                    steps = {k: v for k, v in bulk["seconds_by_stage"].items() if k.startswith("bulk_")}
                    load, bulk_load = stages["load"], bulk["seconds_by_stage"]["load"]
                    print(f"  bulk (--rebuild --bulk): {wall3:6.1f} s wall, peak RSS {rss3:,.0f} MiB; load stage "
                          f"{bulk_load:.1f} s vs transactional {load:.1f} s ({load / bulk_load:.1f}x); "
                          + ", ".join(f"{k} {v:.1f}s" for k, v in steps.items()) + "; same counts")
    finally:
        if started_here:
            server.stop(home, BENCH_INSTANCE)


if __name__ == "__main__":
    main()
