"""Document-level entity scoring, vendored from the project's shared `eval/score.py`.

Kept here so `kgbuild evaluate` works without the shared folder. The functions below are that
script's `norm`, `parse_map`, `score` and `prf`, unchanged in behaviour: a predicted (text, type) is
correct when its normalized text equals a gold name or alias and its type may match the gold type;
`dup` counts gold entities matched by more than one predicted text.

Beyond the script, `score` can say why each error happened (`MISSED_WHY`, `FALSE_WHY`), so a user reading
`kgbuild evaluate --errors` sees whether the extractor lacks a name, cuts it elsewhere, or follows another
convention (one node for the forms a corpus counts apart).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    text = _SPACE.sub(" ", text.replace("\u2010", "-").replace("\u2013", "-"))
    return _EDGE.sub("", text.strip().lower())


def parse_map(pairs: list[str] | None) -> dict[str, set[str]]:
    mapping: dict[str, set[str]] = {}
    for pair in pairs or []:
        gold, _, preds = pair.partition("=")
        mapping[gold] = {p for p in preds.split(",") if p}
    return mapping


MISSED_WHY = {
    "type": "the text was predicted with another type",
    "merged": "the text is an alias of a predicted entity named otherwise (one node for both forms)",
    "boundary": "a predicted name contains it or lies inside it",
    "absent": "nothing predicted there",
}
FALSE_WHY = {
    "type": "the text is gold with another type",
    "boundary": "it contains a gold name or lies inside one",
    "extra": "no gold name overlaps it",
}


def _overlaps(a: str, b: str) -> bool:
    """One normalized name holds the other as whole words."""
    return f" {a} " in f" {b} " or f" {b} " in f" {a} "


def _why_missed(names: set[str], types: set[str], predicted: dict) -> str:
    if any(text in names for text, _ in predicted):
        return "type"
    kept = [(text, entity) for (text, ptype), entity in predicted.items() if ptype in types]
    if any(names & {norm(a) for a in entity.get("aliases", [])} for _, entity in kept):
        return "merged"
    return "boundary" if any(_overlaps(text, name) for text, _ in kept for name in names) else "absent"


def _why_false(text: str, ptype: str, forms: list, allowed) -> str:
    if any(text in names for names, _ in forms):
        return "type"
    near = (name for names, gtype in forms if ptype in (allowed(gtype) or ()) for name in names)
    return "boundary" if any(_overlaps(text, name) for name in near) else "extra"


def score(pred: dict, gold: dict, mapping: dict, errors: dict | None = None) -> tuple[dict, dict]:
    """score.py's counts; `errors`, if given, collects per title what was missed and what was false, each
    with why (a key of `MISSED_WHY` or `FALSE_WHY`)."""
    counts: dict = defaultdict(lambda: {"tp_pred": 0, "pred": 0, "tp_gold": 0, "gold": 0, "dup": 0})
    untyped = {"tp_pred": 0, "pred": 0, "tp_gold": 0, "gold": 0}
    allowed = (lambda g: mapping.get(g)) if mapping else (lambda g: {g})
    pred_types = set().union(*mapping.values()) if mapping else None
    groups = {t: "/".join(sorted(ts)) for ts in (mapping or {}).values() for t in ts}
    group = (lambda t: groups.get(t, t)) if mapping else (lambda t: t)
    for title, gold_entities in gold.items():
        predicted: dict = {}
        for entity in pred.get(title, []):
            text = norm(entity.get("name") or entity.get("text") or "")
            if text and (pred_types is None or entity.get("type") in pred_types):
                predicted.setdefault((text, entity.get("type")), entity)
        forms = []
        for entity in gold_entities:
            names = {norm(entity["name"])} | {norm(a) for a in entity.get("aliases", [])}
            forms.append((names - {""}, entity["type"]))
        matched_by: dict = defaultdict(set)
        for text, ptype in predicted:
            hit = neutral = any_type_hit = False
            for index, (names, gtype) in enumerate(forms):
                if text not in names:
                    continue
                any_type_hit = True
                types = allowed(gtype)
                if types is None:
                    neutral = True
                elif ptype in types:
                    hit = True
                    matched_by[index].add(text)
            if neutral and not hit:
                continue
            if errors is not None and not hit:
                errors.setdefault(title, {"missed": [], "false": []})["false"].append(
                    (predicted[(text, ptype)], sorted({g for names, g in forms if text in names}),
                     _why_false(text, ptype, forms, allowed)))
            counts[group(ptype)]["pred"] += 1
            counts[group(ptype)]["tp_pred"] += hit
            untyped["pred"] += 1
            untyped["tp_pred"] += any_type_hit
        for index, (names, gtype) in enumerate(forms):
            if allowed(gtype) is None:
                continue
            key = group(next(iter(allowed(gtype))))
            counts[key]["gold"] += 1
            counts[key]["tp_gold"] += bool(matched_by[index])
            counts[key]["dup"] += len(matched_by[index]) > 1
            if errors is not None and not matched_by[index]:
                errors.setdefault(title, {"missed": [], "false": []})["missed"].append(
                    (gold_entities[index], sorted({t for text, t in predicted if text in names}),
                     _why_missed(names, allowed(gtype), predicted)))
            untyped["gold"] += 1
            untyped["tp_gold"] += any(p[0] in names for p in predicted)
    return counts, untyped


def prf(tp_pred: int, pred: int, tp_gold: int, gold: int) -> tuple[float, float, float]:
    p = tp_pred / pred if pred else 0.0
    r = tp_gold / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def table(pred: dict, gold: dict, mapping: dict, errors: dict | None = None) -> dict:
    """score.py's --json output: per-type rows, micro and untyped P/R/F1 (`errors` as in `score`)."""
    counts, untyped = score(pred, gold, mapping, errors)
    rows = {}
    for key in sorted(counts):
        c = counts[key]
        rows[key] = dict(zip("prf", prf(c["tp_pred"], c["pred"], c["tp_gold"], c["gold"]), strict=True), **c)
    total = {k: sum(c[k] for c in counts.values()) for k in ("tp_pred", "pred", "tp_gold", "gold", "dup")}
    scores = prf(total["tp_pred"], total["pred"], total["tp_gold"], total["gold"])
    micro = dict(zip("prf", scores, strict=True), **total)
    loose = dict(zip("prf", prf(**untyped), strict=True), **untyped)
    missing = [t for t in gold if t not in pred]
    return {"types": rows, "micro": micro, "untyped": loose, "papers": len(gold),
            "papers_without_prediction": len(missing)}


def format_table(result: dict) -> str:
    """The same text table score.py prints."""
    lines = [f"{'type':<16}{'P':>7}{'R':>7}{'F1':>7}{'pred':>7}{'gold':>7}{'dup':>6}"]
    for key, row in result["types"].items():
        lines.append(f"{key:<16}{row['p']:>7.3f}{row['r']:>7.3f}{row['f']:>7.3f}{row['pred']:>7}"
                     f"{row['gold']:>7}{row['dup']:>6}")
    loose, micro = result["untyped"], result["micro"]
    lines.append(f"papers {result['papers']}, without a prediction line {result['papers_without_prediction']}")
    lines.append(f"untyped P {loose['p']:.3f} R {loose['r']:.3f} F1 {loose['f']:.3f}")
    lines.append(f"micro P {micro['p']:.3f} R {micro['r']:.3f} F1 {micro['f']:.3f}")
    return "\n".join(lines)


def format_errors(errors: list[dict]) -> str:
    """Per paper, the gold entities missed and the predictions no gold entity matches, with their evidence."""
    lines = []
    for paper in errors:
        lines.append(paper["title"])
        for e in paper["missed"]:
            seen = f" (predicted as {', '.join(e['predicted_as'])})" if e["predicted_as"] else ""
            lines.append(f"  missed  {e['type']:<13}{e['name']}{seen}  [{e['why']}]")
        for e in paper["false"]:
            evidence = ", ".join(e["components"])
            if e["confidence"] is not None:
                evidence += f", confidence {e['confidence']:.2f}"
            gold = f" (gold type {', '.join(e['gold_types'])})" if e["gold_types"] else ""
            lines.append(f"  false   {e['type']:<13}{e['name']}{gold}  [{e['why']}" +
                         (f"; {evidence}]" if evidence else "]"))
    return "\n".join(lines)


def format_reasons(errors: list[dict]) -> str:
    """How many errors of each kind, with what each kind means."""
    lines = []
    for kind, meanings in (("missed", MISSED_WHY), ("false", FALSE_WHY)):
        counts = Counter(e["why"] for paper in errors for e in paper[kind])
        lines.append(f"{kind} {sum(counts.values())}:")
        lines.extend(f"  {counts[why]:>5} {why:<9}{meaning}" for why, meaning in meanings.items())
    return "\n".join(lines)
