"""Build `data/lexicon.jsonl` from the curated lists and the training parts of public corpora.

    python -m kgbuild.extraction.build_lexicons [--eval-data ../shared/eval-data] [--corpus ../shared/corpus]

Sources, and what keeps each one honest:

- `data/curated/*.txt`: well-known names (public knowledge), one per line.
- WhiteText (brain regions) and SciREX (Material -> DATASET): only documents that are NOT held out
  (`is_held_out`, a hash of doc_id shared with the NER training), and only names that are annotated
  in most of the training documents whose text contains them (a precision filter: names that are
  mostly ordinary words, such as "SO" or "area", drop out).
- `data/region_breaks.txt` (written beside the lexicon): words that WhiteText training text uses often
  but never inside a region name ("reach", "although", "mainly"); a trained region span that runs
  over one of them is two names or none (`resolve.py`).
- names with a capital that unlabelled abstracts (`../shared/corpus`, the first 10,000 of each file)
  write more often in lower case, as ordinary words or phrases ("react" for ReAct, "adult" for Adult,
  "relational database" for Relational Database), get
  `"ordinary": true`: they match only as spelled, and not alone where a sentence start, a colon or a title
  capitalises them (`lexicons.py`).
- `data/mined_datasets.tsv` (source "mined", DATASET): names that unlabelled arXiv abstracts put in
  dataset contexts ("on the X dataset"), mined by `mine_datasets.py` and kept by its precision filter;
  a name that another source already lists (under any label) keeps that source's row.
- `data/mined_methods.tsv` (source "mined", METHOD): lower-case technique names that several unlabelled
  abstracts define with a short form ("proper orthogonal decomposition (POD)"), mined by
  `mine_methods.py` and kept by its precision filter; names listed already keep their row.
- `data/mined_variants.tsv` (source "variant", the base name's label): a lower-case word that many
  unlabelled abstracts write before a curated technique or model name ("ordinary least squares"), mined by
  `mine_variants.py` and kept by its precision filter. A mined technique that ends in a curated name
  ("sequential importance sampling") is a variant too: it beats the curated name inside it.

`dev_gold.jsonl` is never read. The output is sorted, so reruns give the same file.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from . import mine_methods, mine_variants
from .mine_datasets import read_mined, select
from .training.convert import is_held_out, read_jsonl

DATA = Path(__file__).parent / "data"
CURATED = {
    "models.txt": "MODEL",
    "datasets.txt": "DATASET",
    "methods.txt": "METHOD",
    "brain_regions.txt": "BRAIN_REGION",
    "tasks.txt": "TASK",
    "metrics.txt": "METRIC",
}
# Not entities under our guidelines, although WhiteText annotates them.
NOT_REGIONS = {"brain", "cortex", "cortices", "neocortical", "cortical", "subcortical", "nucleus", "nuclei",
               "area", "areas", "region", "regions", "layer", "layers", "forebrain neurons", "cns",
               "central nervous system", "nervous system", "ganglion", "ganglia", "white matter",
               "gray matter", "grey matter", "tract", "nerve", "fibers", "neuropil"}
ADJECTIVE = re.compile(r"^[a-z-]+(al|ic|ar|ate|ine|ous)$")
GENERIC_MATERIAL = re.compile(r"^(the |a |an |our |this |these )|\b(data|dataset|datasets|corpus|images?|"
                              r"videos?|text|sentences?|documents?|benchmarks?)$", re.IGNORECASE)


def read_curated() -> list[dict]:
    rows = []
    for filename, label in CURATED.items():
        for line in (DATA / "curated" / filename).read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text and not text.startswith("#"):
                rows.append({"text": text, "label": label, "source": "curated"})
    for line in (DATA / "abbreviations.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            rows.append({"text": row["long"], "label": row["label"], "source": "curated"})
            rows.append({"text": row["short"], "label": row["label"], "source": "curated"})
    return rows


def _occurs(name: str, text: str, exact: bool) -> bool:
    pattern = r"(?<![\w-])" + re.escape(name) + r"(?![\w-])"
    return re.search(pattern, text, 0 if exact else re.IGNORECASE) is not None


def mine(path: Path, gold_type: str, label: str, source: str, keep, min_docs: int = 1,
         min_ratio: float = 0.5) -> list[dict]:
    """Names of `gold_type` in the training documents of `path` that pass `keep` and the precision filter."""
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = [d for d in docs if not is_held_out(d["doc_id"])]
    annotated: dict[str, set[int]] = defaultdict(set)
    surface: dict[str, str] = {}
    for index, doc in enumerate(docs):
        for entity in doc["entities"]:
            if entity["type"] != gold_type:
                continue
            for name in [entity["name"], *entity.get("aliases", [])]:
                name = " ".join(name.split()).strip(" ,.;:()[]\"'")
                if keep(name):
                    annotated[name.lower()].add(index)
                    surface.setdefault(name.lower(), name)
    rows = []
    for low, hit_docs in annotated.items():
        name = surface[low]
        exact = len(name) <= 5 and any(c.isupper() for c in name)
        present = sum(_occurs(name, f"{d['title']} {d['abstract']}", exact) for d in docs)
        if len(hit_docs) >= min_docs and len(hit_docs) >= min_ratio * max(present, 1):
            rows.append({"text": name, "label": label, "source": source})
    return rows


BREAK_MIN_COUNT = 20
"""A word is a region break only when the training text uses it at least this often (evidence, not chance)."""
_WORD = re.compile(r"[a-z]+")


def region_breaks(path: Path, min_count: int = BREAK_MIN_COUNT) -> list[str]:
    """Lower-case words frequent in WhiteText training text that no annotated region name contains."""
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts: dict[str, int] = defaultdict(int)
    inside: set[str] = set()
    for doc in docs:
        if is_held_out(doc["doc_id"]):
            continue
        for word in _WORD.findall(f"{doc['title']} {doc['abstract']}".lower()):
            counts[word] += 1
        for entity in doc["entities"]:
            for name in [entity["name"], *entity.get("aliases", [])]:
                inside.update(_WORD.findall(name.lower()))
    return sorted(w for w, n in counts.items() if n >= min_count and w not in inside and len(w) > 1)


def keep_region(name: str) -> bool:
    low = name.lower()
    if len(low) < 2 or low in NOT_REGIONS or ADJECTIVE.match(low) or not name[0].isalpha():
        return False
    if any(c in name for c in "(),;/\"+"):
        return False
    if len(name) <= 3 and not any(c.isupper() for c in name):
        return False
    return len(name.split()) <= 6 and any(c.isalpha() for c in name)


def keep_dataset(name: str) -> bool:
    if len(name) < 2 or GENERIC_MATERIAL.search(name) or len(name.split()) > 5:
        return False
    return any(c.isupper() or c.isdigit() for c in name) and any(c.isalpha() for c in name)


def keep_mined(name: str) -> bool:
    """A mined name that could stand alone as a dataset name (not a head word, not a language pair)."""
    return not GENERIC_MATERIAL.search(name) and not re.fullmatch(r"[A-Z][a-z]+-[A-Z][a-z]+", name)


ORDINARY_SAMPLE = 10_000
"""Abstracts read from the start of each corpus file to tell which names are also ordinary words."""
ORDINARY_MIN_COUNT = 3
_WHOLE_WORD = re.compile(r"(?<![\w./@-])[A-Za-z]+(?![\w./@-])")  # not inside "resnet50" or "youtube.com"


def _corpus_texts(corpus: Path, sample: int) -> Iterator[str]:
    files = sorted(corpus.glob("*.jsonl.gz"))
    if not files:
        raise SystemExit(f"no corpus files (*.jsonl.gz) in {corpus}: pass --corpus")
    for path in files:
        for row in islice(read_jsonl(path), sample):
            yield f"{row.get('title', '')} {row.get('abstract', '')}"


def ordinary_words(corpus: Path, names: set[str], sample: int = ORDINARY_SAMPLE) -> set[str]:
    """Those of `names` that unlabelled abstracts write in lower case more often than as spelled:
    one-word names as words of their own ("react" vs ReAct, "adult" vs Adult; not "pagerank" vs
    PageRank), names of several words as phrases ("relational database" vs Relational Database)."""
    lower = {name.lower() for name in names}
    phrases = sorted((low for low in lower if " " in low), key=len, reverse=True)
    phrase_re = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, phrases)) + r")(?![\w-])") if phrases else None
    counts: dict[str, int] = defaultdict(int)  # as spelled, and in lower case under the lower-case form
    for text in _corpus_texts(corpus, sample):
        for word in _WHOLE_WORD.findall(text):
            if word in names or word in lower:
                counts[word] += 1
        for match in phrase_re.finditer(text.lower()) if phrase_re else ():
            written = text[match.start():match.end()]
            if written in names or written.islower():
                counts[written] += 1
    return {name for name in names
            if counts[name.lower()] >= ORDINARY_MIN_COUNT and counts[name.lower()] > counts[name]}


def mark_ordinary(rows: list[dict], corpus: Path) -> None:
    """Add "ordinary": true to names with a capital that are also ordinary lower-case words or phrases:
    one word that is not all capitals (ReAct, Adult), or a dataset of several words each Title Case or
    lower case (Relational Database). Only datasets: "mixture of experts" in lower case is still the model."""
    candidates = {r["text"] for r in rows if not r["text"].islower() and not r["text"].isupper()
                  and (r["text"].isalpha() or " " in r["text"] and r["label"] == "DATASET"
                       and all(w.isalpha() and (w.istitle() or w.islower()) for w in r["text"].split(" ")))}
    ordinary = ordinary_words(corpus, candidates)
    for row in rows:
        if row["text"] in ordinary:
            row["ordinary"] = True


def _extends(phrase: str, bases: dict[str, str]) -> bool:
    """Whether a mined phrase is a curated name with words before it ("proper orthogonal decomposition"): it
    must then beat that shorter name as a variant does, not yield to it as a weaker mined name would."""
    words = phrase.split(" ")
    return any(" ".join(words[i:]) in bases for i in range(1, len(words)))


def build(eval_data: Path, corpus: Path | None = None) -> list[dict]:
    rows = read_curated()
    whitetext = eval_data / "whitetext" / "train.jsonl"
    if whitetext.is_file():
        rows += mine(whitetext, "BrainRegion", "BRAIN_REGION", "whitetext", keep_region, min_ratio=0.5)
    scirex = eval_data / "scirex" / "train.jsonl"
    if scirex.is_file():
        rows += mine(scirex, "Material", "DATASET", "scirex", keep_dataset, min_ratio=0.5)
    listed = {r["text"].lower() for r in rows}
    rows += [{"text": name, "label": "DATASET", "source": "mined"} for name in select(read_mined())
             if name.lower() not in listed and keep_mined(name)]
    listed = {r["text"].lower() for r in rows}
    labels = mine_variants.bases()
    rows += [{"text": variant, "label": labels[base], "source": "variant"}
             for variant, base in mine_variants.select(mine_variants.read_mined()) if variant not in listed]
    listed = {r["text"].lower() for r in rows}
    rows += [{"text": phrase, "label": "METHOD", "source": "variant" if _extends(phrase, labels) else "mined"}
             for phrase in mine_methods.select(mine_methods.read_mined()) if phrase not in listed]
    unique = {(r["label"], r["text"].lower()): r for r in reversed(rows)}  # curated wins
    mark_ordinary(list(unique.values()), corpus or eval_data.parent / "corpus")
    return sorted(unique.values(), key=lambda r: (r["label"], r["text"].lower(), r["source"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval-data", type=Path, default=Path(__file__).parents[3] / "shared" / "eval-data")
    parser.add_argument("--corpus", type=Path, default=None,
                        help="unlabelled abstracts (*.jsonl.gz) that tell ordinary words (default: beside --eval-data)")
    parser.add_argument("--out", type=Path, default=DATA / "lexicon.jsonl")
    args = parser.parse_args()
    rows = build(args.eval_data, args.corpus)
    with args.out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[f"{row['label']}/{row['source']}"] += 1
    print(f"wrote {len(rows)} names to {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    whitetext = args.eval_data / "whitetext" / "train.jsonl"
    if whitetext.is_file():
        breaks = region_breaks(whitetext)
        (args.out.parent / "region_breaks.txt").write_text("\n".join(breaks) + "\n", encoding="utf-8")
        print(f"wrote {len(breaks)} region break words to {args.out.parent / 'region_breaks.txt'}")


if __name__ == "__main__":
    main()
