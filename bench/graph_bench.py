"""Time the graph stage: build_graph, graph_stats and the three exports on N real abstracts.

    .venv/bin/python bench/graph_bench.py examples/                       # the seed files
    .venv/bin/python bench/graph_bench.py ../shared/corpus/abstracts-cs_ml-00.jsonl.gz -n 10000

Extraction (fast, rules-only mode) runs first and is timed separately: the figures for the graph stage
exclude it.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import tempfile
import time
from pathlib import Path

from kgbuild.export import export_graph
from kgbuild.extraction import extract_papers
from kgbuild.graph import build_graph, format_stats, graph_stats
from kgbuild.reading import read_papers


def timed(label: str, fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"{label:<28}{time.perf_counter() - start:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("-n", type=int, default=None, help="first N papers only")
    parser.add_argument("--mode", default="fast", help="extraction mode")
    parser.add_argument("--stats", action="store_true", help="print the stats report too")
    args = parser.parse_args()

    papers = timed("read", lambda: list(itertools.islice(read_papers(args.paths), args.n)))
    extracted = timed(f"extract ({args.mode})", lambda: list(extract_papers(papers, mode=args.mode)))
    G = timed("build_graph", build_graph, extracted)
    stats = timed("graph_stats", graph_stats, G)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt, name in (("json", "g.json"), ("graphml", "g.graphml"), ("csv", "csv")):
            files = timed(f"export {fmt}", export_graph, G, fmt, Path(tmp) / name)
            size = sum(f.stat().st_size for f in files)
            print(f"{'':<28}{size / 1e6:8.1f} MB in {len(files)} file(s)")
    print(f"papers {len(papers):,}  nodes {G.number_of_nodes():,}  edges {G.number_of_edges():,}")
    print("  ".join(f"{k} {v:,}" for k, v in stats["edges"].items()))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.stats:
        print(format_stats(stats))


if __name__ == "__main__":
    main()
