"""The CLI as a user runs it: predictions score.py reads, and user errors as one line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kgbuild.cli import main
from kgbuild.records import GUIDELINE_LABELS


def _extract(paths: list[Path], out: Path, *extra: str) -> list[dict]:
    result = CliRunner().invoke(main, ["extract", *map(str, paths), "--mode", "fast", "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_extract_writes_the_guideline_types_unless_asked_for_all(seed_files: list[Path], tmp_path: Path) -> None:
    default = _extract(seed_files, tmp_path / "p.jsonl")
    everything = _extract(seed_files, tmp_path / "all.jsonl", "--all-types")
    assert len(default) == len(everything) == 176
    assert {e["type"] for r in default for e in r["entities"]} <= set(GUIDELINE_LABELS)
    assert {e["type"] for r in everything for e in r["entities"]} - set(GUIDELINE_LABELS)
    mention = next(m for r in default for e in r["entities"] for m in e["mentions"])
    assert {"text", "field", "start", "end", "sentence", "component"} <= set(mention)


def test_missing_input_file_is_one_line_and_non_zero(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "nope.jsonl"), "--mode", "fast"])
    assert result.exit_code == 1
    assert "nope.jsonl" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_unknown_template_is_one_line_and_non_zero() -> None:
    result = CliRunner().invoke(main, ["query", "show", "no-such-query"])
    assert result.exit_code == 1
    assert "unknown template 'no-such-query'" in result.output


def test_evaluate_scores_the_dev_gold_and_counts_surface_forms_on_request(shared_dir: Path) -> None:
    gold = shared_dir / "eval" / "dev_gold.jsonl"
    runs = {}
    for forms in ("entities", "surface"):
        result = CliRunner().invoke(main, ["evaluate", str(gold), "--mode", "fast", "--json", "--forms", forms])
        assert result.exit_code == 0, result.output
        runs[forms] = json.loads(result.output)
    entities, surface = runs["entities"]["micro"], runs["surface"]["micro"]
    assert entities["f"] >= 0.85 and entities["dup"] == 0  # the quality target, in fast mode too
    # every alias becomes an entry of its own: more predictions, and gold entities hit by two forms
    assert surface["pred"] > entities["pred"] and surface["dup"] > 0
    assert runs["surface"]["forms"] == "surface"


def test_corpus_mode_scores_scierc_as_scierc_annotates(shared_dir: Path) -> None:
    gold = shared_dir / "eval-data" / "scierc" / "dev.jsonl"
    maps = ["--map", "Method=METHOD,MODEL", "--map", "Material=DATASET"]
    untyped = {}
    for mode in ("accurate", "corpus"):
        result = CliRunner().invoke(main, ["evaluate", str(gold), *maps, "--mode", mode, "--json"])
        assert result.exit_code == 0, result.output
        untyped[mode] = json.loads(result.output)["untyped"]
    # the guidelines leave out most of what SciERC marks ("feature extraction method"); the corpus mode does not
    assert untyped["accurate"]["r"] < 0.2 and untyped["corpus"]["r"] > 0.5 and untyped["corpus"]["p"] > 0.6


def test_evaluate_errors_list_every_miss_and_false_prediction_with_its_evidence(shared_dir: Path) -> None:
    from kgbuild.extraction import evaluate
    from kgbuild.extraction.scoring import FALSE_WHY, MISSED_WHY, norm

    gold_path = shared_dir / "eval" / "dev_gold.jsonl"
    result = evaluate(gold_path, mode="fast", errors=True)
    micro, errors = result["micro"], result["errors"]
    assert sum(len(p["missed"]) for p in errors) == micro["gold"] - micro["tp_gold"] > 0
    assert sum(len(p["false"]) for p in errors) == micro["pred"] - micro["tp_pred"] > 0
    gold = {norm(r["title"]): r["entities"] for r in map(json.loads, gold_path.read_text().splitlines())}
    for paper in errors:
        entities = gold[norm(paper["title"])]
        for e in paper["missed"]:
            assert any(g["name"] == e["name"] and g["type"] == e["type"] for g in entities)
        for e in paper["false"]:
            assert e["components"] and e["confidence"] is None  # fast mode: rules only, no model scores
            assert not any(norm(e["name"]) in {norm(n) for n in [g["name"], *g.get("aliases", [])]}
                           and g["type"] == e["type"] for g in entities)
    assert {e["why"] for p in errors for e in p["missed"]} <= set(MISSED_WHY)
    assert {e["why"] for p in errors for e in p["false"]} <= set(FALSE_WHY)
    shown = CliRunner().invoke(main, ["evaluate", str(gold_path), "--mode", "fast", "--errors"])
    assert shown.exit_code == 0, shown.output
    assert f"missed {micro['gold'] - micro['tp_gold']}:" in shown.output
    first = errors[0]["missed"][0] if errors[0]["missed"] else errors[0]["false"][0]
    assert errors[0]["title"] in shown.output and first["name"] in shown.output
    assert shown.output.count("\n  missed  ") == micro["gold"] - micro["tp_gold"]
    assert shown.output.rstrip().splitlines()[-1].startswith("micro P")


def test_each_error_says_why_it_is_one() -> None:
    """Invented gold and predictions, one error of each kind: the reasons follow from the texts alone."""
    from kgbuild.extraction.scoring import score

    gold = {"t": [{"name": "subthalamic nucleus", "type": "BRAIN_REGION"},
                  {"name": "retinas", "type": "BRAIN_REGION"},
                  {"name": "V1", "type": "BRAIN_REGION"},
                  {"name": "amygdala", "type": "BRAIN_REGION"},
                  {"name": "dropout", "type": "METHOD"}]}
    pred = {"t": [{"name": "subthalamic nucleus of the rat", "type": "BRAIN_REGION"},
                  {"name": "retina", "type": "BRAIN_REGION", "aliases": ["retinas"]},
                  {"name": "V1", "type": "METHOD"},
                  {"name": "optic tract", "type": "BRAIN_REGION"},
                  {"name": "dropout", "type": "METHOD"}]}
    errors: dict = {}
    score(pred, gold, {}, errors)
    missed = {entity["name"]: why for entity, _, why in errors["t"]["missed"]}
    false = {entity["name"]: why for entity, _, why in errors["t"]["false"]}
    assert missed == {"subthalamic nucleus": "boundary", "retinas": "merged", "V1": "type", "amygdala": "absent"}
    # "retina" is not "retinas" as whole words: a merge is told from the alias, not from a shared stem
    assert false == {"subthalamic nucleus of the rat": "boundary", "retina": "extra", "V1": "type",
                     "optic tract": "extra"}
