"""Turn document-level gold files (entity names + aliases, no offsets) into spaCy training Docs.

The gold corpora list which entities a paper mentions, not where. Training an NER needs token
spans, so every occurrence of every name or alias is located in the title and the abstract
(longest match first, no overlaps) and labelled with our type through `LABEL_MAPS`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from ..gate import REGION_WORDS

OUTSIDE = "O"
"""Mapped type meaning: these words are certainly not an entity of ours (train them as outside)."""
MISSING = "-"
"""Mapped type meaning: unsure, leave the tokens unannotated so they give no gradient."""

LABEL_MAPS: dict[str, dict[str, str]] = {
    "whitetext": {"BrainRegion": "BRAIN_REGION"},
    "scierc": {
        "Method": "METHOD",
        "Material": "DATASET",
        "Task": "TASK",
        "Metric": "METRIC",
        # "algorithm", "it", "approach": referring expressions the guidelines say are not entities.
        "Generic": OUTSIDE,
        # A grab bag (features, constraints, some techniques): neither entity nor surely not.
        "OtherScientificTerm": MISSING,
    },
    "scirex": {"Method": "METHOD", "Material": "DATASET", "Task": "TASK", "Metric": "METRIC"},
    # SciERC as it is annotated: every label trained, unnamed materials too (the plain baseline and the
    # corpus-convention model, which annotate the way SciERC does rather than the way GUIDELINES ask).
    "scierc_plain": {
        "Method": "METHOD",
        "Material": "DATASET",
        "Task": "TASK",
        "Metric": "METRIC",
        "Generic": "GENERIC",
        "OtherScientificTerm": "OTHER",
    },
}
"""Corpus label -> our label, OUTSIDE or MISSING. Corpus labels not listed are MISSING."""

NAMED_ONLY: dict[str, set[str]] = {"scierc": {"Material"}}
"""Corpus labels that map to our label only for proper names: SciERC Material also covers unnamed
data ("image sequence"), which the guidelines say is not a DATASET; those forms become MISSING."""

FIELDS = ("title", "abstract")


def read_jsonl(path: str | Path) -> Iterator[dict]:
    """Rows of a JSON-lines file, gzipped or not."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def is_held_out(doc_id: str) -> bool:
    """The one split of the public corpora, by a hash of the document id (independent of file order): 15% of
    the documents are kept out of NER training and of the lexicons, for evaluation only."""
    return int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:8], 16) % 100 < 15


def split_rows(rows: Iterable[dict]) -> tuple[list[dict], list[dict]]:
    """(train, held-out) rows split by `is_held_out`."""
    train: list[dict] = []
    dev: list[dict] = []
    for row in rows:
        (dev if is_held_out(row["doc_id"]) else train).append(row)
    return train, dev


def _pattern(form: str, exact: bool = False) -> re.Pattern[str]:
    """Whole-word pattern; acronym-like forms (two or more capitals) always match case exactly."""
    flags = 0 if exact or sum(ch.isupper() for ch in form) >= 2 else re.IGNORECASE
    return re.compile(r"(?<!\w)" + re.escape(form) + r"(?!\w)", flags)


def locate(
    text: str,
    entities: Iterable[dict],
    label_map: dict[str, str],
    named_only: set[str] = frozenset(),
    exact: bool = False,
) -> list[tuple[int, int, str]]:
    """All occurrences of every name/alias in `text`, longest first, without overlaps."""
    candidates: list[tuple[int, int, str]] = []
    for entity in entities:
        forms = {entity["name"], *entity.get("aliases", [])}
        for form in forms:
            form = form.strip()
            if not form:
                continue
            label = label_map.get(entity["type"], MISSING)
            if entity["type"] in named_only and not named(form):
                label = MISSING
            candidates.extend((m.start(), m.end(), label) for m in _pattern(form, exact).finditer(text))
    # Longest first; among equal lengths a real label beats MISSING/OUTSIDE, then the earliest.
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2] in (OUTSIDE, MISSING), c[0]))
    taken: list[tuple[int, int, str]] = []
    used = [False] * (len(text) + 1)
    for start, end, label in candidates:
        if any(used[start:end]):
            continue
        used[start:end] = [True] * (end - start)
        taken.append((start, end, label))
    return sorted(taken)


def to_span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    """Token-aligned span: exact if possible, else shrink to whole tokens, else grow to them."""
    for mode in ("strict", "contract", "expand"):
        span = doc.char_span(start, end, label=label, alignment_mode=mode)
        if span is not None and len(span):
            return span
    return None


def annotate(doc: Doc, spans: list[tuple[int, int, str]], default: str = "outside") -> Doc:
    """Set entities on `doc`; OUTSIDE spans are outside, MISSING spans and, if asked, the rest missing."""
    ents: list[Span] = []
    missing: list[Span] = []
    outside: list[Span] = []
    covered: set[int] = set()
    for start, end, label in spans:
        kind = "O" if label == OUTSIDE else "-" if label == MISSING else "ENT"
        span = to_span(doc, start, end, label if kind == "ENT" else "")
        if span is None or covered.intersection(range(span.start, span.end)):
            continue
        covered.update(range(span.start, span.end))
        {"ENT": ents, "-": missing, "O": outside}[kind].append(span)
    doc.set_ents(ents, missing=missing, outside=outside, default=default)
    return doc


def convert_rows(nlp: Language, rows: Iterable[dict], corpus: str, default: str = "outside") -> Iterator[Doc]:
    """One Doc per non-empty title and abstract, annotated with every located occurrence."""
    label_map = LABEL_MAPS[corpus]
    for row in rows:
        for name in FIELDS:
            text = row.get(name) or ""
            if not text.strip():
                continue
            doc = nlp.make_doc(text)
            doc.user_data["doc_id"] = row.get("doc_id", "")
            spans = locate(text, row.get("entities", []), label_map, NAMED_ONLY.get(corpus, set()))
            yield annotate(doc, spans, default)


def named(form: str) -> bool:
    """A proper name rather than a description: has a capital letter or digit and is not a year."""
    return bool(re.search(r"[A-Z]", form)) and not re.fullmatch(r"[\d\W]+", form) and len(form) > 1


def negative_docs(nlp: Language, rows: Iterable[dict]) -> Iterator[Doc]:
    """Docs with nothing annotated and everything outside: text where no entity of the model occurs."""
    for row in rows:
        for name in FIELDS:
            text = row.get(name) or ""
            if text.strip():
                doc = nlp.make_doc(text)
                doc.set_ents([], default="outside")
                yield doc


def brain_free(row: dict) -> bool:
    """True for text with no brain-region vocabulary (safe as a negative; "neural network" text is kept)."""
    return not REGION_WORDS.search(f"{row.get('title', '')} {row.get('abstract', '')}")


def title_key(title: str) -> str:
    """Titles compared as eval/score.py does (lowercase, words only)."""
    return " ".join(re.findall(r"\w+", title.lower()))


def sample_corpus(
    path: str | Path, every: int, limit: int, keep=brain_free, exclude: Iterable[dict] = ()
) -> list[dict]:
    """Every `every`-th record of a corpus file that passes `keep`, up to `limit` (deterministic).

    Records whose title is one of `exclude` (the gold papers, which arXiv may also hold) are skipped.
    """
    excluded = {title_key(row.get("title", "")) for row in exclude}
    picked: list[dict] = []
    for number, row in enumerate(read_jsonl(path)):
        if number % every == 0 and keep(row) and title_key(row.get("title", "")) not in excluded:
            picked.append(row)
            if len(picked) >= limit:
                break
    return picked


def save(docs: Iterable[Doc], path: str | Path) -> int:
    """Write Docs to a .spacy file; returns how many."""
    docbin = DocBin(store_user_data=False)
    count = 0
    for doc in docs:
        docbin.add(doc)
        count += 1
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(path)
    return count


def make_nlp() -> Language:
    """Blank English with kgbuild's tokenizer: training docs get the same tokens as at run time."""
    import spacy

    return with_kgbuild_tokenizer(spacy.blank("en"))


def with_kgbuild_tokenizer(nlp: Language) -> Language:
    """Give `nlp` kgbuild's scientific tokenizer when that module exists (else keep spaCy's default)."""
    try:
        from kgbuild.extraction.tokenizer import make_tokenizer
    except ImportError:
        return nlp
    nlp.tokenizer = make_tokenizer(nlp)
    return nlp
