"""Words per second of the extraction pipeline beside spaCy's bare tokenizer, one run each.

    .venv/bin/python bench/extract_speed.py [--n 10000] [--modes fast,accurate] [--n-process 1]

Texts: the first N records of ../shared/corpus/abstracts-cs_ml-00.jsonl.gz (title + abstract, as
extraction sees them). Words are whitespace-separated words. The ratio is to `spacy.blank("en")`
tokenizing the same texts with `nlp.pipe` in one process.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import time
from pathlib import Path

import spacy

from kgbuild.extraction import extract_papers, load_pipeline
from kgbuild.records import Paper

ROOT = Path(__file__).resolve().parents[1]


def read_papers(path: Path, n: int) -> list[Paper]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in itertools.islice(handle, n)]
    return [Paper(id=r["id"], title=r["title"], abstract=r["abstract"]) for r in rows]


def timed(label: str, words: int, run) -> float:
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    print(f"{label:<44}{words / seconds:>12,.0f} words/s  ({seconds:.1f} s)", flush=True)
    return words / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--modes", default="fast,accurate")
    parser.add_argument("--n-process", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus"
                        / "abstracts-cs_ml-00.jsonl.gz")
    args = parser.parse_args()
    papers = read_papers(args.corpus, args.n)
    texts = [f"{p.title}\n\n{p.abstract}" for p in papers]
    words = sum(len(t.split()) for t in texts)
    print(f"{len(papers)} abstracts, {words:,} words")
    blank = spacy.blank("en")
    base = timed("spacy.blank('en') tokenizer (nlp.pipe)", words, lambda: sum(1 for _ in blank.pipe(texts)))
    for mode in args.modes.split(","):
        nlp = load_pipeline(mode)
        nlp(texts[0])
        rate = timed(f"kgbuild {mode} ({len(nlp.pipe_names)} pipes, n_process={args.n_process})", words,
                     lambda mode=mode: sum(1 for _ in extract_papers(papers, mode=mode,
                                                                     n_process=args.n_process)))
        print(f"{'':<44}ratio to bare tokenizer {rate / base:.3f}")


if __name__ == "__main__":
    main()
