"""What extraction writes on abstracts from every field of the corpus, and what changed against another run.

    .venv/bin/python bench/corpus_mentions.py [--mode accurate] [--per-file 750] [--start 20000]
        [--save OUT.tsv] [--compare OTHER.tsv] [--sample 120 --sample-out ITEMS.tsv]

Texts: lines start..start+per-file of four corpus files (cs_ml, cs_other_sample, stat_eess_medph,
qbio), made into Docs as extraction makes them (`pipeline.make_doc`). Prints mention counts by type and
by component. `--save` writes one line per mention (paper, text, type, component, sentence).
`--compare` reads such a file from another tree (run this script with that tree on PYTHONPATH) and
prints the (paper, text, type) triples removed and added; `--sample` writes a random sample of the
removed ones with their sentences, for a blind judge.
There is no gold here: the counts say how much changed, the judged sample says whether it was right.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
from collections import Counter
from pathlib import Path

from kgbuild.extraction import load_pipeline
from kgbuild.extraction.pipeline import make_doc
from kgbuild.extraction.resolve import ENTITIES_KEY
from kgbuild.records import Paper

ROOT = Path(__file__).resolve().parents[1]
FILES = ("abstracts-cs_ml-00", "abstracts-cs_other_sample-00", "abstracts-stat_eess_medph-00", "abstracts-qbio-00")


def papers(corpus: Path, start: int, per_file: int) -> list[Paper]:
    found = []
    for name in FILES:
        with gzip.open(corpus / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
            for number, line in enumerate(itertools.islice(handle, start, start + per_file), start):
                row = json.loads(line)
                found.append(Paper(id=f"{name}:{number}", title=row["title"], abstract=row["abstract"]))
    return found


def mentions(mode: str, rows: list[Paper]) -> list[tuple[str, str, str, str, str]]:
    """(paper, text, type, component, sentence) of every entity span, on Docs made as extraction makes them."""
    nlp = load_pipeline(mode)
    found = []
    docs = nlp.pipe((make_doc(nlp, paper) for paper in rows), batch_size=64)
    for paper, doc in zip(rows, docs, strict=True):
        for span in doc.spans[ENTITIES_KEY]:
            found.append((paper.id, " ".join(span.text.split()), span.label_, span.id_,
                          " ".join(span.sent.text.split())))
    return found


def read_saved(path: Path) -> list[tuple[str, ...]]:
    return [tuple(line.split("\t")) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", default="accurate", choices=["fast", "accurate"])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--start", type=int, default=20_000)
    parser.add_argument("--per-file", type=int, default=750)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path, help="a --save file from another tree")
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--sample-out", type=Path, default=Path("removed_sample.tsv"))
    args = parser.parse_args()
    found = mentions(args.mode, papers(args.corpus, args.start, args.per_file))
    print(f"{len(found)} mentions ({args.mode}, {len(FILES) * args.per_file} abstracts)")
    print("by type:", dict(Counter(m[2] for m in found).most_common()))
    print("by component:", dict(Counter(m[3] for m in found).most_common()))
    if args.save:
        args.save.write_text("".join("\t".join(m) + "\n" for m in found), encoding="utf-8")
    if args.compare:
        other = read_saved(args.compare)
        before = {m[:3]: m[4] for m in other}
        after = {m[:3] for m in found}
        removed = sorted(set(before) - after)
        added = sorted(after - set(before))
        print(f"other run: {len(other)} mentions; triples removed {len(removed)}, added {len(added)}")
        print("removed by type:", dict(Counter(t[2] for t in removed).most_common()))
        if args.sample:
            picked = random.Random(8).sample(removed, min(args.sample, len(removed)))
            args.sample_out.write_text("item\tmention\tsentence\n" + "".join(
                f"{i}\t{t[1]}\t{before[t]}\n" for i, t in enumerate(picked, 1)), encoding="utf-8")
            print(f"wrote {len(picked)} removed triples to {args.sample_out}")


if __name__ == "__main__":
    main()
