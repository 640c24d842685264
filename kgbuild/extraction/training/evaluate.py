"""Document-level predictions in the format of eval/score.py, and scoring through that script."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language

from kgbuild.extraction.training.convert import FIELDS, with_kgbuild_tokenizer
from kgbuild.extraction.training.paths import SHARED

DEFAULT_SCORER = SHARED / "eval" / "score.py"


def load_model(path: str | Path) -> Language:
    """A shipped model with the tokenizer its training docs were made with; an ensemble (several `ner`
    components) sets `doc.ents` to its majority vote, as extraction reads it (`vote.NerVote`)."""
    import spacy

    from kgbuild.extraction import pipeline  # noqa: F401  (registers the collector and the vote)

    nlp = with_kgbuild_tokenizer(spacy.load(path))
    members = [name for name in nlp.pipe_names if nlp.get_pipe_meta(name).factory == "ner"]
    if len(members) > 1:
        for name in members:
            nlp.add_pipe("kgbuild_collect_ents", name=f"collect_{name}", after=name,
                         config={"spans_key": f"cand:{name}"})
        nlp.add_pipe("kgbuild_ner_vote", name="vote",
                     config={"members": [f"cand:{name}" for name in members], "spans_key": "cand:vote",
                             "set_ents": True})
    return nlp


def predict_rows(nlp: Language, rows: Iterable[dict], batch_size: int = 64) -> list[dict]:
    """One `{"title", "entities"}` per row: distinct entity texts, each with its majority label."""
    rows = list(rows)
    texts = [(index, row.get(name) or "") for index, row in enumerate(rows) for name in FIELDS]
    labels: list[dict[str, Counter]] = [{} for _ in rows]
    names: list[dict[str, str]] = [{} for _ in rows]
    docs = nlp.pipe((text for _, text in texts), batch_size=batch_size)
    for (index, _), doc in zip(texts, docs, strict=True):
        for ent in doc.ents:
            key = " ".join(ent.text.lower().split())
            names[index].setdefault(key, ent.text)
            labels[index].setdefault(key, Counter())[ent.label_] += 1
    return [
        {
            "title": row.get("title", ""),
            "entities": [
                {"name": names[i][key], "type": counts.most_common(1)[0][0]} for key, counts in labels[i].items()
            ],
        }
        for i, row in enumerate(rows)
    ]


def write_jsonl(rows: Iterable[dict], path: Path) -> Path:
    """Write rows as JSON lines."""
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def score(pred: list[dict], gold: list[dict], maps: list[str], scorer: Path = DEFAULT_SCORER) -> dict:
    """Run the shared score.py on predictions and gold rows; returns its --json result."""
    with tempfile.TemporaryDirectory() as tmp:
        pred_path = write_jsonl(pred, Path(tmp) / "pred.jsonl")
        gold_path = write_jsonl(gold, Path(tmp) / "gold.jsonl")
        command = [sys.executable, str(scorer), str(pred_path), str(gold_path), "--json"]
        for item in maps:
            command += ["--map", item]
        result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)
