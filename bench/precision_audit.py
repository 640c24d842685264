"""A blind precision audit: one extracted entity from each of N random corpus abstracts, judged by a reader.

    .venv/bin/python bench/precision_audit.py draw DIR [--n 260] [--seed 0] [--mode accurate]
    .venv/bin/python bench/precision_audit.py score DIR [--mode accurate]

The gold sets cover machine learning, neuroscience and the public corpora; this measures what a user gets on
abstracts from every field. `draw` picks abstracts at random from all files of ../shared/corpus (seeded),
extracts them, and takes one random METHOD/MODEL/DATASET/BRAIN_REGION entity and one of its mentions from each
abstract that has one, until it has N. It writes DIR/items.tsv for the judge (title, entity, type, mention,
sentence; not which component found it) and DIR/key.tsv (paper id, component). The judge, a person or a helper
session that reads eval/GUIDELINES.md and nothing else, writes DIR/judged.tsv: n, verdict (ok, generic,
boundary, type:X, unclear), note.

`score` prints the share judged right, overall and by component, then extracts the same abstracts again with
this tree and prints how many audited entities it still writes and the share right among those. That second
figure is optimistic once rules were written after reading the verdicts; a fresh draw is the honest one.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import sys
from collections import Counter
from pathlib import Path

from kgbuild.extraction import extract_papers
from kgbuild.records import ExtractedPaper, Paper

ROOT = Path(__file__).resolve().parents[1]
AUDITED = ("METHOD", "MODEL", "DATASET", "BRAIN_REGION")
ITEM_FIELDS = ["n", "title", "entity", "type", "mention", "sentence"]


def corpus_rows(corpus: Path) -> list[dict]:
    """Every abstract of the corpus files, in file order (the draw depends only on the seed)."""
    rows = []
    for path in sorted(corpus.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def as_paper(row: dict) -> Paper:
    return Paper(id=row["id"], title=row.get("title") or "", abstract=row.get("abstract") or "")


def _clean(text: str) -> str:
    return " ".join(text.split())


def draw(out: Path, corpus: Path, n: int, seed: int, mode: str) -> None:
    rng = random.Random(seed)
    rows = corpus_rows(corpus)
    rng.shuffle(rows)
    items, keys = [], []
    batch = 200
    for offset in range(0, len(rows), batch):
        for xp in extract_papers([as_paper(r) for r in rows[offset:offset + batch]], mode=mode):
            entities = [e for e in xp.entities if e.label in AUDITED]
            if not entities:
                continue
            entity = rng.choice(entities)
            mention = rng.choice(entity.mentions)
            items.append([str(len(items)), _clean(xp.paper.title), entity.name, entity.label, mention.text,
                          _clean(mention.sentence)])
            keys.append([str(len(keys)), xp.paper.id, mention.component])
            if len(items) == n:
                break
        if len(items) == n:
            break
    out.mkdir(parents=True, exist_ok=True)
    with (out / "items.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(ITEM_FIELDS)
        writer.writerows(items)
    with (out / "key.tsv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter="\t", lineterminator="\n").writerows(keys)
    print(f"wrote {len(items)} items to {out / 'items.tsv'} (seed {seed}, {mode}); the judge writes judged.tsv")


def _read(path: Path, header: bool) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    return rows[1:] if header else rows


def score(out: Path, corpus: Path, mode: str) -> None:
    items = {row[0]: row for row in _read(out / "items.tsv", header=True)}
    keys = {row[0]: row for row in _read(out / "key.tsv", header=False)}
    judged = {row[0]: row[1] for row in _read(out / "judged.tsv", header=True)}
    right = {n for n, verdict in judged.items() if verdict == "ok"}
    print(f"judged {len(judged)}: {len(right)} right ({len(right) / len(judged):.3f}); verdicts "
          + ", ".join(f"{v} {c}" for v, c in Counter(judged.values()).most_common()))
    by_component: dict[str, Counter] = {}
    for n in judged:
        by_component.setdefault(keys[n][2], Counter())[n in right] += 1
    for component, counts in sorted(by_component.items(), key=lambda kv: -sum(kv[1].values())):
        print(f"  {component:<40}{counts[True]:>4} / {sum(counts.values())}")
    wanted = {keys[n][1].lower() for n in judged}
    papers = [as_paper(r) for r in corpus_rows(corpus) if r["id"].lower() in wanted]
    written: dict[str, set[tuple[str, str]]] = {}
    for xp in extract_papers(papers, mode=mode):
        written[xp.paper.id.lower()] = _names(xp)
    kept = [n for n in judged if (items[n][2], items[n][3]) in written.get(keys[n][1].lower(), set())]
    kept_right = sum(n in right for n in kept)
    share = kept_right / len(kept) if kept else 0.0
    print(f"this tree ({mode}) still writes {len(kept)} of the {len(judged)} audited entities; "
          f"{kept_right} of those were judged right ({share:.3f})")


def _names(xp: ExtractedPaper) -> set[tuple[str, str]]:
    return {(name, e.label) for e in xp.entities for name in (e.name, *e.aliases)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["draw", "score"])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--n", type=int, default=260)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mode", default="accurate")
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        sys.exit(f"no corpus directory at {args.corpus}")
    if args.command == "draw":
        draw(args.dir, args.corpus, args.n, args.seed, args.mode)
    else:
        score(args.dir, args.corpus, args.mode)


if __name__ == "__main__":
    main()
