"""Prediction records (what score.py reads) and evaluation of the extractor over a gold JSONL file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator
from contextlib import nullcontext
from pathlib import Path

from ..errors import InputError
from ..records import ExtractedPaper, Paper
from .pipeline import extract_papers
from .scoring import norm, parse_map, table


def prediction_record(xp: ExtractedPaper, types: Collection[str] | None = None) -> dict:
    """One JSONL line for a paper: entities with name/type/aliases/key and mentions with provenance.

    `types` keeps only entities of those types (None: all), so a file scored against gold that annotates
    only the guidelines' four types is not charged for TASK and METRIC.
    """
    return {
        "id": xp.paper.id,
        "title": xp.paper.title,
        "entities": [
            {
                "name": e.name,
                "type": e.label,
                "aliases": list(e.aliases),
                "key": e.key,
                "mentions": [
                    {"text": m.text, "field": m.field, "start": m.start, "end": m.end, "sentence": m.sentence,
                     "component": m.component, "confidence": m.confidence}
                    for m in e.mentions
                ],
            }
            for e in xp.entities
            if types is None or e.label in types
        ],
        "repositories": [{"key": r.key, "host": r.host, "url": r.url} for r in xp.repositories],
        "urls": list(xp.urls),
        "extraction_version": xp.extraction_version,
    }


def read_gold(path: str | Path) -> list[dict]:
    """Rows of a gold JSONL file (title, abstract, entities)."""
    rows = []
    try:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as error:
                        raise InputError(f"{path}:{number}: not JSON: {error.msg}") from None
    except OSError as error:
        raise InputError(f"cannot read gold file {path}: {error.strerror}") from None
    return rows


def gold_papers(rows: list[dict]) -> Iterator[Paper]:
    for number, row in enumerate(rows, 1):
        title, abstract = row.get("title", ""), row.get("abstract", "")
        ident = row.get("doc_id") or "gold:" + hashlib.sha1(f"{title}\n{abstract}".encode()).hexdigest()[:16]
        yield Paper(id=ident, title=title, abstract=abstract, source="gold", line=number)


def surface_forms(entities: list[dict]) -> list[dict]:
    """One scored entry per distinct surface form of each entity (name, then every alias).

    The public corpora's document-level gold is one entity per distinct string ("parser" and
    "dependency parser", "KPSG" and its long form are two), and a plain NER is scored the same way;
    this counts our entities as they count theirs. The graph itself keeps one node per entity.
    """
    return [{"name": form, "type": e["type"]} for e in entities for form in [e["name"], *e.get("aliases", [])]]


def evaluate(gold_path: str | Path, maps: list[str] | None = None, mode: str = "accurate",
             rows: list[dict] | None = None, predictions_out: str | Path | None = None,
             forms: str = "entities", errors: bool = False) -> dict:
    """Extract from every abstract of a gold file and score like score.py (document level).

    Without `maps`, predicted types that the gold file never uses (e.g. TASK and METRIC against a
    file annotating only our four guideline types) are left out, as score.py leaves out unmapped
    types when a map is given. `forms="surface"` scores every surface form of an entity as its own
    entry (`surface_forms`), as corpora built from distinct strings count. Returns score.py's --json
    structure plus "mode", and with `errors` an "errors" list: per paper with any, the gold entities
    missed and the predictions that match none, each with why (`scoring.MISSED_WHY`, `scoring.FALSE_WHY`) and
    each false one with the components and model confidence behind it, so a user sees why it was written.
    """
    if forms not in ("entities", "surface"):
        raise InputError(f"unknown forms {forms!r}: use 'entities' or 'surface'")
    rows = read_gold(gold_path) if rows is None else rows
    mapping = parse_map(maps)
    gold_types = {e["type"] for row in rows for e in row.get("entities", [])}
    pred: dict[str, list[dict]] = {}
    with open(predictions_out, "w", encoding="utf-8") if predictions_out else nullcontext() as out:
        for xp in extract_papers(gold_papers(rows), mode=mode):
            record = prediction_record(xp)
            if not mapping:
                record["entities"] = [e for e in record["entities"] if e["type"] in gold_types]
            pred[norm(record["title"])] = surface_forms(record["entities"]) if forms == "surface" \
                else record["entities"]
            if out:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    gold = {norm(row.get("title", "")): row.get("entities", []) for row in rows}
    found: dict[str, dict] | None = {} if errors else None
    result = table(pred, gold, mapping, found)
    result["mode"] = mode
    result["forms"] = forms
    if found is not None:
        titles = {norm(row.get("title", "")): row.get("title", "") for row in rows}
        result["errors"] = [{"title": titles[title], "missed": [_missed(*m) for m in wrong["missed"]],
                             "false": [_false(*f) for f in wrong["false"]]} for title, wrong in found.items()]
    return result


def _missed(entity: dict, predicted_as: list[str], why: str) -> dict:
    return {"name": entity["name"], "type": entity["type"], "predicted_as": predicted_as, "why": why}


def _false(entity: dict, gold_types: list[str], why: str) -> dict:
    mentions = entity.get("mentions", [])
    scores = [m["confidence"] for m in mentions if m.get("confidence") is not None]
    return {"name": entity["name"], "type": entity["type"], "gold_types": gold_types, "why": why,
            "components": sorted({m["component"] for m in mentions}), "confidence": max(scores, default=None)}
