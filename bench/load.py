"""Loader figures on real abstracts: batched vs one-row-per-transaction MERGE, and the cost of re-runs.

    .venv/bin/python bench/load.py                       # 20,000 cs_ml abstracts, fast extraction
    .venv/bin/python bench/load.py --n 2000 --naive-papers 100

Uses its own local server instance ("neo4j-bench", started if needed) unless --uri is given; the
database there is cleared. Steps, all in one run on the same data:

1. `ingest --rebuild` of N abstracts (first run: read, extract, build, load) and its load rows/s;
2. the same ingest again (unchanged corpus: hash lookup only) as a share of the first run;
3. the same input with one abstract changed (incremental: one paper re-extracted, corpus graph rebuilt
   from stored extractions, only differing nodes written);
4. on the graph of a sample of papers (their entities, repositories and all edges among them): a naive
   loader (one `MERGE` per row, one transaction each) beside the batched loader.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kgbuild import loading, server  # noqa: E402
from kgbuild.config import Settings  # noqa: E402
from kgbuild.connection import open_driver  # noqa: E402
from kgbuild.graph import PAPER, build_graph, edge_rows, node_rows  # noqa: E402
from kgbuild.ingest import IngestOptions, ingest  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
BENCH_PASSWORD = "kgbuild-bench-pw"
BENCH_INSTANCE = "neo4j-bench"


def write_subset(files: list[Path], n: int, out: Path) -> int:
    count = 0
    with gzip.open(out, "wt", encoding="utf-8") as sink:
        for path in files:
            with gzip.open(path, "rt", encoding="utf-8") as source:
                for line in islice(source, n - count):
                    sink.write(line)
                    count += 1
            if count >= n:
                break
    return count


def change_one(source: Path, out: Path) -> str:
    """A copy of `source` whose first long abstract lost its last sentence."""
    with gzip.open(source, "rt", encoding="utf-8") as f, gzip.open(out, "wt", encoding="utf-8") as g:
        changed = ""
        for line in f:
            record = json.loads(line)
            if not changed and record["abstract"].count(". ") >= 3:
                record["abstract"] = record["abstract"].rsplit(". ", 1)[0] + "."
                changed = record["id"]
            g.write(json.dumps(record) + "\n")
    return changed


def naive_load(driver, database: str, G: nx.MultiDiGraph) -> int:
    """One row per transaction: MERGE each node, then MATCH-MATCH-MERGE each relationship."""
    rows = 0
    with driver.session(database=database) as session:
        for label, nrows in node_rows(G).items():
            query = f"MERGE (n:{loading._label(label)} {{key: $key}}) SET n += $props"
            for row in nrows:
                session.execute_write(lambda tx, q=query, r=row: tx.run(q, key=r["key"], props=r).consume())
                rows += 1
        for (rel, start, end), erows in edge_rows(G).items():
            query = (f"MATCH (a:{loading._label(start)} {{key: $start}}) MATCH (b:{loading._label(end)} {{key: $end}}) "
                     f"MERGE (a)-[r:{loading._rel(rel)}]->(b) SET r += $props")
            for row in erows:
                session.execute_write(lambda tx, q=query, r=row: tx.run(q, **r).consume())
                rows += 1
    return rows


def sample_graph(G: nx.MultiDiGraph, papers: int) -> nx.MultiDiGraph:
    chosen = sorted(n for n, d in G.nodes(data=True) if d["label"] == PAPER)[:papers]
    keep = set(chosen)
    for p in chosen:
        keep.update(G.successors(p))
    return G.subgraph(keep).copy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000, help="abstracts (default 20000)")
    ap.add_argument("--files", default="abstracts-cs_ml-00.jsonl.gz,abstracts-cs_ml-01.jsonl.gz")
    ap.add_argument("--mode", default="fast", choices=["fast", "accurate"])
    ap.add_argument("--batch-size", type=int, default=loading.DEFAULT_BATCH_SIZE)
    ap.add_argument("--naive-papers", type=int, default=1000, help="papers in the naive-vs-batched sample")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--uri", help="use this server (its database gets cleared) instead of the bench instance")
    ap.add_argument("--password", default=BENCH_PASSWORD)
    args = ap.parse_args()

    home = (ROOT / ".kgbuild").resolve()
    started_here = False
    if args.uri:
        settings = Settings(uri=args.uri, password=args.password, home=home)
    else:
        started_here = server.status(home, BENCH_INSTANCE) is None
        info = server.start(home, BENCH_PASSWORD, instance=BENCH_INSTANCE, port=None, heap="2g")
        settings = Settings(uri=info.uri, password=BENCH_PASSWORD, home=home)
    with tempfile.TemporaryDirectory(prefix="kgbuild-bench-") as tmp:
        run(args, settings, Path(tmp), started_here, home)


def run(args: argparse.Namespace, settings: Settings, tmp: Path, started_here: bool, home: Path) -> None:
    db = settings.database
    data = tmp / "abstracts.jsonl.gz"
    n = write_subset([CORPUS / f for f in args.files.split(",")], args.n, data)
    print(f"{n:,} abstracts from {args.files}; mode {args.mode}; batch size {args.batch_size}; {settings.uri}")

    base = IngestOptions(mode=args.mode, batch_size=args.batch_size, n_process=args.processes)
    first = ingest([str(data)], settings, IngestOptions(**{**base.__dict__, "rebuild": True}))
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in first.seconds_by_stage.items())
    print(f"first run:          {first.seconds:8.1f} s  ({stages})")
    print(f"  loaded: {first.rows_written:,} rows ({first.rows_per_second:,.0f} rows/s in the load stage); "
          f"nodes {first.nodes}; relationships {first.relationships}")
    rerun = ingest([str(data)], settings, base)
    assert rerun.up_to_date and rerun.rows_written == 0
    print(f"re-run (unchanged): {rerun.seconds:8.1f} s  = {100 * rerun.seconds / first.seconds:.2f}% of the first "
          f"run (goal <= 5%)")
    changed = tmp / "changed.jsonl.gz"
    change_one(data, changed)
    update = ingest([str(changed)], settings, base)
    stages = ", ".join(f"{k} {v:.1f}s" for k, v in update.seconds_by_stage.items())
    print(f"one paper changed:  {update.seconds:8.1f} s  = {100 * update.seconds / first.seconds:.1f}% "
          f"({update.papers_extracted} extracted, {update.papers_written} papers and "
          f"{update.nodes_written - update.papers_written} other nodes rewritten; {stages})")

    driver = open_driver(settings)
    try:
        eps = [loading.decode_extraction(blob) for _, blob in loading.stored_extractions(driver, db)]
        G = sample_graph(build_graph(sorted(eps, key=lambda ep: ep.paper.id)), args.naive_papers)
        sample_rows = G.number_of_nodes() + G.number_of_edges()
        loading.clear_graph(driver, db)
        start = time.perf_counter()
        naive_rows = naive_load(driver, db, G)
        naive = naive_rows / (time.perf_counter() - start)
        naive_dump = loading.graph_counts(driver, db)
        batched = []
        for _ in range(2):  # the first load after a clear also pays Cypher planning of each statement
            loading.clear_graph(driver, db)
            result = loading.load_graph(driver, db, G, batch_size=args.batch_size)
            batched.append(result.rows_written / result.seconds)
            assert loading.graph_counts(driver, db) == naive_dump
        print(f"sample of {args.naive_papers} papers ({sample_rows:,} rows: {G.number_of_nodes():,} nodes, "
              f"{G.number_of_edges():,} relationships):")
        print(f"  naive, one row per transaction: {naive:10,.0f} rows/s")
        for run, rate in zip(("cold", "warm"), batched, strict=True):
            print(f"  batched UNWIND, {args.batch_size} rows/tx, {run}: {rate:10,.0f} rows/s  = {rate / naive:.1f}x "
                  f"(goal >= 20x)")
        print(f"  batched over the whole first load:  {first.rows_per_second:,.0f} rows/s "
              f"= {first.rows_per_second / naive:.1f}x")
        loading.clear_graph(driver, db)
    finally:
        driver.close()
        if started_here:
            server.stop(home, BENCH_INSTANCE)


if __name__ == "__main__":
    main()
