"""Saved queries: header parsing, typed parameters, output formats, and every template on the seed corpus in Neo4j.

The integration tests load the seed corpus once per module (real extraction, real Neo4j) and check each
template's answers against the seed text itself, read independently of the database.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kgbuild.browser import browser_script, cypher_literal, guide_html, param_block
from kgbuild.config import Settings
from kgbuild.connection import open_driver
from kgbuild.errors import QueryError
from kgbuild.ingest import IngestOptions, ingest
from kgbuild.loading import graph_counts
from kgbuild.queries import (
    TEMPLATE_DIR,
    describe_template,
    get_template,
    list_templates,
    parse_assignments,
    parse_params,
    parse_template,
    render_rows,
    run_template,
)
from kgbuild.reading import read_papers

ROOT = Path(__file__).resolve().parent.parent


def _write(tmp_path: Path, text: str, name: str = "t.cypher") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the template library ------------------------------------------------------------------------------

def test_library_has_a_dozen_valid_templates_with_examples():
    templates = list_templates()
    assert len(templates) >= 12
    names = [t.name for t in templates]
    assert len(set(names)) == len(names)
    for t in templates:
        assert t.path.parent == TEMPLATE_DIR and t.path.stem == t.name
        assert t.description and "\n" not in t.description
        for p in t.params:
            assert p.help, f"{t.name}: parameter {p.name} has no help text"
        assert parse_params(t, {p.name: json.dumps(p.example) if p.type != "str" else p.example
                                for p in t.params if p.example is not None}).keys() == {p.name for p in t.params}


def test_header_format_is_parsed_with_types_defaults_and_examples(tmp_path):
    path = _write(tmp_path, """// name: demo-query
// description: A demo.
// A free note line.
// param: who (str) example: "Ada -- Lovelace" -- a name; may contain --
// param: n (int) default: 5 example: 2 -- how many
// param: ratio (float) default: 0.5 example: 1 -- a share
// param: tags (list[str]) default: [] example: ["a", "b"] -- labels
// param: strict (bool) default: false example: true
MATCH (n) WHERE n.name = $who AND $strict OR $ratio > 0 OR n.tags = $tags
RETURN n LIMIT $n
""")
    t = parse_template(path)
    assert t.name == "demo-query" and t.description == "A demo." and t.notes == ("A free note line.",)
    who, n, ratio, tags, strict = t.params
    assert (who.type, who.required, who.example, who.help) == ("str", True, "Ada -- Lovelace", "a name; may contain --")
    assert (n.default, n.example, n.required) == (5, 2, False)
    assert ratio.example == 1.0 and isinstance(ratio.example, float)
    assert tags.default == [] and tags.example == ["a", "b"]
    assert strict.default is False and strict.help == ""
    assert t.cypher.startswith("MATCH (n)") and "// param" not in t.cypher


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("// description: x\nRETURN 1", "name"),
        ("// name: Bad Name\n// description: x\nRETURN 1", "name"),
        ("// name: a\nRETURN 1", "description"),
        ("// name: a\n// description: x\n", "no Cypher"),
        ("// name: a\n// description: x\n// param: n (integer) example: 1\nRETURN $n", "unknown type"),
        ("// name: a\n// description: x\n// param: n (int)\nRETURN $n", "no example"),
        ("// name: a\n// description: x\n// param: n (int) example: \"1\"\nRETURN $n", "not a int"),
        ("// name: a\n// description: x\n// param: n (int) example: 1 whatever\nRETURN $n", "unexpected"),
        ("// name: a\n// description: x\nRETURN $undeclared", "undeclared parameters: undeclared"),
        ("// name: a\n// description: x\n// param: n (int) example: 1\nRETURN '$n' // $n", "not used: n"),
    ],
)
def test_malformed_headers_are_one_clear_error(tmp_path, header, message):
    path = _write(tmp_path, header)
    with pytest.raises(QueryError, match=re.escape(message)) as info:
        parse_template(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_duplicate_names_and_unknown_templates(tmp_path):
    _write(tmp_path, "// name: same\n// description: x\nRETURN 1", "a.cypher")
    _write(tmp_path, "// name: same\n// description: y\nRETURN 2", "b.cypher")
    with pytest.raises(QueryError, match="used by both"):
        list_templates(tmp_path)
    with pytest.raises(QueryError, match=r"^unknown template 'nope'; try `kgbuild query list`$"):
        get_template("nope")


# --- typed parameters ------------------------------------------------------------------------------------

def _demo(tmp_path: Path):
    return parse_template(_write(tmp_path, """// name: demo
// description: d
// param: who (str) example: "x" -- w
// param: n (int) default: 5 example: 2 -- n
// param: ratio (float) default: null example: 0.5 -- r
// param: tags (list[str]) default: ["a"] example: ["a"] -- t
// param: ids (list[int]) default: [] example: [1] -- i
// param: strict (bool) default: false example: true -- s
RETURN $who, $n, $ratio, $tags, $ids, $strict
"""))


def test_parameters_are_typed_and_defaults_filled(tmp_path):
    t = _demo(tmp_path)
    assert parse_params(t, {"who": "Ada"}) == {
        "who": "Ada", "n": 5, "ratio": None, "tags": ["a"], "ids": [], "strict": False,
    }
    values = parse_params(t, {"who": "", "n": "12", "ratio": "2.5e-1", "tags": "x, y ,z", "ids": "[3, 4]",
                              "strict": "Yes"})
    assert values == {"who": "", "n": 12, "ratio": 0.25, "tags": ["x", "y", "z"], "ids": [3, 4], "strict": True}
    assert parse_params(t, {"who": "1", "tags": '["a,b", "c"]'})["tags"] == ["a,b", "c"]
    assert parse_params(t, {"who": "a=b"})["who"] == "a=b"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "template 'demo' needs --param who=... (str, for example x)"),
        ({"who": "a", "n": "1.5"}, "parameter 'n' of template 'demo' must be an integer, got '1.5'"),
        ({"who": "a", "n": "ten"}, "must be an integer, got 'ten'"),
        ({"who": "a", "ratio": "nan"}, "must be a number"),
        ({"who": "a", "strict": "maybe"}, "must be true or false"),
        ({"who": "a", "ids": "1,x"}, "must be a list of int"),
        ({"who": "a", "ids": "[1"}, "must be a list of int"),
        ({"who": "a", "colour": "red"}, "template 'demo' has no parameter 'colour' (it takes: who, n, ratio,"),
    ],
)
def test_missing_mistyped_or_unknown_parameters_are_one_line(tmp_path, raw, message):
    with pytest.raises(QueryError) as info:
        parse_params(_demo(tmp_path), raw)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_assignments_from_the_command_line():
    assert parse_assignments(["a=1", "text=x=y", "c="]) == {"a": "1", "text": "x=y", "c": ""}
    with pytest.raises(QueryError, match="key=value"):
        parse_assignments(["novalue"])


# --- output -------------------------------------------------------------------------------------------

ROWS = [
    {"name": "MNIST", "papers": 6, "share": 0.123456, "aliases": ["mnist", "MNIST-10"], "note": None},
    {"name": 'Say "hi", x', "papers": 1, "share": 1.0, "aliases": [], "note": {"k": 1}},
]


def test_rows_render_as_table_json_and_csv():
    columns = list(ROWS[0])
    table = render_rows(columns, ROWS, "table")
    assert "MNIST" in table and "mnist; MNIST-10" in table and "0.1235" in table and "2 rows" in table
    assert json.loads(render_rows(columns, ROWS, "json")) == ROWS
    parsed = list(csv.DictReader(io.StringIO(render_rows(columns, ROWS, "csv"))))
    assert parsed[0] == {"name": "MNIST", "papers": "6", "share": "0.1235", "aliases": "mnist; MNIST-10", "note": ""}
    assert parsed[1]["name"] == 'Say "hi", x' and json.loads(parsed[1]["note"]) == {"k": 1}
    assert render_rows(columns, [], "json") == "[]"
    with pytest.raises(QueryError, match="unknown format 'xml'"):
        render_rows(columns, ROWS, "xml")


def test_show_describes_parameters_and_an_example_command():
    text = describe_template(get_template("papers-mentioning"))
    assert "entity (str, required, example" in text and "limit (int, default 25" in text
    assert "kgbuild query run papers-mentioning --param entity=" in text and "MATCH" in text


# --- Neo4j Browser helpers ---------------------------------------------------------------------------------

def test_cypher_literals_and_params_block():
    assert cypher_literal({"a": 'x"y\\', "n": 3, "f": 0.5, "b": True, "z": None, "l": ["p", 2], "odd key": 1}) == (
        '{a: "x\\"y\\\\", n: 3, f: 0.5, b: true, z: null, l: ["p", 2], `odd key`: 1}'
    )
    t = get_template("papers-mentioning")
    assert param_block({"entity": "x", "odd key": None}) == ':param entity => "x";\n:param `odd key` => null;'
    script = browser_script(t, {"entity": "ImageNet", "limit": 3})
    assert script == f':param entity => "ImageNet";\n:param limit => 3;\n\n{t.cypher}'
    assert browser_script(get_template("schema-overview")) == get_template("schema-overview").cypher


def test_browser_guide_has_a_slide_per_template_with_runnable_blocks():
    templates = list_templates()
    guide = guide_html(templates)
    assert guide.count("<slide") == len(templates) + 1
    for t in templates:
        assert f"<h3>{t.name}</h3>" in guide
    assert guide.count('class="pre-scrollable code runnable"') >= 2 * len(templates)
    assert "&lt;-[:MENTIONS]-" in guide  # Cypher arrows are escaped, Browser shows them as text


# --- every template on the seed corpus in a real Neo4j ------------------------------------------------

def _run(driver, name: str, **params):
    t = get_template(name)
    return run_template(driver, t, {**t.example_params, **params}, "neo4j")[1]


def _title(seed_papers, words: str):
    return next(p for p in seed_papers.values() if words.lower() in p.title.lower())


def test_stats_from_neo4j_equal_stats_from_files(driver, seed_files) -> None:
    """`kgbuild stats` with no paths reads the loaded graph back and reports what the files give."""
    from kgbuild.extraction import extract_papers
    from kgbuild.graph import build_graph, graph_stats
    from kgbuild.queries import neo4j_stats

    loaded = neo4j_stats(driver, "neo4j")
    files = graph_stats(build_graph(extract_papers(read_papers(seed_files), mode="fast")))
    assert loaded["nodes"] == files["nodes"]
    assert loaded["edges"] == files["edges"]
    assert loaded["papers_without_entities"]["count"] == files["papers_without_entities"]["count"]
    assert loaded["nodes"]["Paper"] == 176


def _names(rows, column: str) -> set[str]:
    return {r[column] for r in rows}


@pytest.mark.neo4j
@pytest.mark.parametrize("name", [t.name for t in list_templates()])
def test_every_template_runs_with_its_example_parameters(driver, name):
    t = get_template(name)
    columns, rows = run_template(driver, t, t.example_params, "neo4j")
    assert columns
    if name != "emerging-entities":  # the seed papers carry no year: tested on dated papers below
        assert rows, f"{name} returned nothing for its example parameters {t.example_params}"
    for fmt in ("table", "json", "csv"):
        assert render_rows(columns, rows, fmt)


# --- parameters are data, never Cypher ---------------------------------------------------------------

PAYLOADS = [
    "' OR 1=1 //",
    "\") MATCH (n) DETACH DELETE n //",
    "x'}) DETACH DELETE e RETURN 1 //",
    "MNIST` DETACH DELETE n //",
    "; MATCH (n) DETACH DELETE n; //",
    "$entity') CREATE (:Pwned {at: 1}) //",
    "\\u0027 }) SET n.name = 'pwned' //",
]


def _fingerprint(driver) -> tuple:
    """Every node and relationship with its properties, order-free: any change shows."""
    records, _, _ = driver.execute_query(
        "MATCH (n) OPTIONAL MATCH (n)-[r]->(m) "
        "WITH n, collect([type(r), elementId(m), properties(r)]) AS out "
        "RETURN labels(n) AS l, properties(n) AS p, out ORDER BY elementId(n)", database_="neo4j",
    )
    return tuple(repr((r["l"], sorted(r["p"].items()), sorted(map(repr, r["out"])))) for r in records)


@pytest.mark.neo4j
def test_injection_payloads_in_every_string_parameter_change_nothing(driver):
    before = _fingerprint(driver)
    tried = 0
    for t in list_templates():
        for p in (p for p in t.params if p.type == "str"):
            for payload in PAYLOADS:
                params = {**t.example_params, p.name: payload}
                run_template(driver, t, params, "neo4j")  # a pasted payload would be a syntax error here
                tried += 1
    assert tried >= 15 * len(PAYLOADS) // 2
    assert _fingerprint(driver) == before
    records, _, _ = driver.execute_query("MATCH (n:Pwned) RETURN count(n) AS n", database_="neo4j")
    assert records[0]["n"] == 0


@pytest.mark.neo4j
def test_templates_run_read_only(driver, tmp_path):
    writer = parse_template(_write(tmp_path, "// name: sneaky\n// description: writes\n"
                                             "// param: v (str) example: \"x\" -- v\nCREATE (:Pwned {v: $v})"))
    with pytest.raises(QueryError, match="sneaky"):
        run_template(driver, writer, {"v": "x"}, "neo4j")
    records, _, _ = driver.execute_query("MATCH (n:Pwned) RETURN count(n) AS n", database_="neo4j")
    assert records[0]["n"] == 0


# --- the command line ---------------------------------------------------------------------------------

def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    base = ["--uri", settings.uri, "--password", settings.password] if args[:2] == ("query", "run") else []
    return subprocess.run([sys.executable, "-m", "kgbuild.cli", *args, *base], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


@pytest.mark.neo4j
def test_cli_lists_shows_and_runs_with_typed_parameters(seed_graph):
    listed = _cli(seed_graph, "query", "list")
    assert listed.returncode == 0 and all(t.name in listed.stdout for t in list_templates())
    shown = _cli(seed_graph, "query", "show", "datasets-for-method")
    assert shown.returncode == 0 and "$method" in shown.stdout and "limit" in shown.stdout
    as_json = _cli(seed_graph, "query", "run", "top-entities", "--param", "label=Dataset", "--param", "per_label=3",
                   "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert 1 <= len(rows) <= 3 and {r["type"] for r in rows} == {"Dataset"}
    as_csv = _cli(seed_graph, "query", "run", "top-entities", "--param", "label=Dataset", "--format", "csv")
    assert as_csv.stdout.splitlines()[0] == "type,rank,entity,papers"
    table = _cli(seed_graph, "query", "run", "top-entities", "--param", "label=Dataset")
    assert table.returncode == 0 and rows[0]["entity"] in table.stdout


@pytest.mark.neo4j
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("query", "run", "no-such-query"), "unknown template 'no-such-query'; try `kgbuild query list`"),
        (("query", "show", "no-such-query"), "unknown template 'no-such-query'"),
        (("query", "run", "papers-mentioning"), "needs --param entity="),
        (("query", "run", "top-entities", "--param", "per_label=many"), "must be an integer, got 'many'"),
        (("query", "run", "top-entities", "--param", "colour=red"), "has no parameter 'colour'"),
        (("query", "run", "top-entities", "--param", "nonsense"), "key=value"),
    ],
)
def test_cli_errors_are_one_line_and_non_zero(seed_graph, args, message):
    done = _cli(seed_graph, *args)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


# --- answers checked against the seed text -------------------------------------------------------------

def _text(paper) -> str:
    return f"{paper.title}\n{paper.abstract}"


def _count(driver, query: str, **params) -> int:
    records, _, _ = driver.execute_query(query, params, database_="neo4j")
    return records[0][0]


@pytest.mark.neo4j
def test_papers_mentioning_finds_an_entity_by_name_or_alias_with_its_sentence(driver, seed_papers):
    rows = _run(driver, "papers-mentioning", entity="MNIST", limit=100)
    assert _title(seed_papers, "SmartMixed").id in _names(rows, "paper")
    assert _title(seed_papers, "Counter-Current Learning").id in _names(rows, "paper")
    for row in rows:
        assert row["entity"] == "MNIST" and row["type"] == "Dataset"
        assert row["evidence"] in _text(seed_papers[row["paper"]]) and "MNIST" in row["evidence"]
    assert _run(driver, "papers-mentioning", entity="mnist", limit=100) == rows
    by_alias = _run(driver, "papers-mentioning", entity="CCL")
    assert by_alias and {r["entity"] for r in by_alias} == {"counter-current learning"}
    assert _run(driver, "papers-mentioning", entity="no such thing at all") == []


@pytest.mark.neo4j
def test_entity_evidence_offsets_point_at_the_mention_in_the_paper(driver, seed_papers):
    rows = _run(driver, "entity-evidence", entity="MNIST", limit=100)
    assert rows
    for row in rows:
        paper = seed_papers[row["paper"]]
        assert row["sentence"] in _text(paper)
        spans = [re.fullmatch(r"(title|abstract):(\d+)-(\d+)", o).groups() for o in row["offsets"]]
        assert {getattr(paper, f)[int(s):int(e)] for f, s, e in spans} <= set(row["written_as"])


@pytest.mark.neo4j
def test_datasets_used_with_a_method_include_those_of_its_abstract(driver, seed_papers):
    rows = _run(driver, "datasets-for-method", method="CCL")
    ccl = _title(seed_papers, "Counter-Current Learning")
    assert "CCL" in ccl.abstract and "MNIST" in ccl.abstract and "CIFAR10" in ccl.abstract
    assert {"MNIST", "CIFAR-10"} <= _names(rows, "dataset")
    assert _names(rows, "method") == {"counter-current learning"}
    assert all(ccl.title in r["example_papers"] for r in rows if r["dataset"] in ("MNIST", "CIFAR-10"))
    assert _run(driver, "datasets-for-method", method="counter-current LEARNING") == rows


@pytest.mark.neo4j
def test_models_on_a_dataset_come_from_papers_that_use_it(driver, seed_papers):
    rows = _run(driver, "models-on-dataset", dataset="CIFAR10")
    assert rows and _names(rows, "dataset") == {"CIFAR-10"}
    titles = {p.title: p for p in seed_papers.values()}
    for row in rows:
        assert 0 <= row["papers_using"] <= row["papers"]
        for title in row["example_papers"]:
            assert re.search(r"CIFAR-?10\b", titles[title].abstract)
    assert "A Method on Searching Better Activation Functions" in {t for r in rows for t in r["example_papers"]}


@pytest.mark.neo4j
def test_top_entities_are_ranked_by_papers(driver):
    rows = _run(driver, "top-entities", label=None, per_label=5)
    by_type: dict[str, list[dict]] = {}
    for row in rows:
        by_type.setdefault(row["type"], []).append(row)
    assert {"Method", "Dataset", "Model", "BrainRegion"} <= set(by_type)
    for entries in by_type.values():
        assert len(entries) <= 5 and [r["rank"] for r in entries] == list(range(1, len(entries) + 1))
        assert [r["papers"] for r in entries] == sorted((r["papers"] for r in entries), reverse=True)
    top_dataset = by_type["Dataset"][0]
    assert top_dataset["papers"] == len(_run(driver, "papers-mentioning", entity=top_dataset["entity"], limit=1000))
    assert {r["type"] for r in _run(driver, "top-entities", label="brain_region")} == {"BrainRegion"}


@pytest.mark.neo4j
def test_co_occurring_entities_share_the_papers_they_claim(driver):
    rows = _run(driver, "co-occurring", entity="visual cortex", label=None, limit=50)
    assert rows and [r["papers"] for r in rows] == sorted((r["papers"] for r in rows), reverse=True)
    for row in rows:
        shared = _count(
            driver,
            "MATCH (a {name: $a})<-[:MENTIONS]-(p:Paper)-[:MENTIONS]->(b {name: $b}) RETURN count(DISTINCT p)",
            a=row["entity"], b=row["co_occurring"],
        )
        assert shared == row["papers"]
    methods = _run(driver, "co-occurring", entity="visual cortex", label="Method")
    assert methods and _names(methods, "type") == {"Method"} and methods[0]["co_occurring"] == "fMRI"


@pytest.mark.neo4j
def test_brain_region_papers_name_the_region(driver, seed_papers):
    rows = _run(driver, "brain-region-methods", region="Visual Cortex", limit=100)
    assert _title(seed_papers, "LaVCa").id in _names(rows, "paper")
    for row in rows:
        assert "visual cortex" in _text(seed_papers[row["paper"]]).lower()
    assert any(row["methods"] for row in rows) and any(row["models"] for row in rows)


@pytest.mark.neo4j
def test_papers_with_code_link_the_repositories_of_their_abstracts(driver, seed_papers):
    rows = _run(driver, "papers-with-code", entity=None, limit=1000)
    assert rows
    for row in rows:
        text = seed_papers[row["paper"]].abstract.lower()
        assert all(repo.lower() in text for repo in row["repositories"])
    assert "vnd-ogrenme/ongorusel-kodlama" in {r for row in rows for r in row["repositories"]}
    with_mnist = _run(driver, "papers-with-code", entity="MNIST")
    assert with_mnist and _names(with_mnist, "paper") <= _names(rows, "paper")
    assert all("MNIST" in seed_papers[r["paper"]].abstract for r in with_mnist)


@pytest.mark.neo4j
def test_shortest_connection_is_a_chain_of_real_mentions(driver, seed_papers):
    rows = _run(driver, "shortest-connection", source="MNIST", target="visual cortex")
    assert rows
    chain = rows[0]["chain"]
    assert chain[0] == "MNIST" and chain[-1] == "visual cortex" and len(chain) == 2 * rows[0]["papers_between"] + 1
    titles = {p.title for p in seed_papers.values()}
    for i in range(1, len(chain), 2):
        assert chain[i] in titles
        for entity in (chain[i - 1], chain[i + 1]):
            assert _count(driver, "MATCH (:Paper {title: $t})-[:MENTIONS]->(e {name: $e}) RETURN count(e)",
                          t=chain[i], e=entity) >= 1
    assert rows[0]["path"].startswith("(Dataset MNIST)")


@pytest.mark.neo4j
def test_similar_papers_share_the_entities_they_list(driver, seed_papers):
    rows = _run(driver, "similar-papers", paper="Higher Visual Cortex", limit=10)
    source = _title(seed_papers, "Higher Visual Cortex")
    assert rows and {r["paper"] for r in rows} == {source.title}
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for row in rows:
        assert row["similar"] != source.id and row["shared_entities"] == len(row["shared"]) >= 1
        for name in row["shared"]:
            assert _count(driver, "MATCH (p:Paper)-[:MENTIONS]->(e {name: $e}) WHERE p.key IN [$a, $b] "
                                  "RETURN count(DISTINCT p)", e=name, a=source.id, b=row["similar"]) == 2
    assert _run(driver, "similar-papers", paper=source.id, limit=10) == rows


@pytest.mark.neo4j
def test_curation_candidates_are_rare_or_unsure(driver, seed_papers):
    rows = _run(driver, "curation-candidates", max_papers=1, min_confidence=0.5, limit=1000)
    assert rows
    for row in rows:
        assert row["papers"] <= 1
        if row["reason"] == "a single mention":
            assert row["mentions"] <= 1
        if row["paper"]:
            assert row["evidence"] in _text(seed_papers[row["paper"]])
    assert all(r["papers"] <= 2 for r in _run(driver, "curation-candidates", max_papers=2, limit=1000))


@pytest.mark.neo4j
def test_schema_overview_counts_what_is_there(driver):
    rows = _run(driver, "schema-overview")
    nodes, relationships = graph_counts(driver, "neo4j")
    by_name = {r["name"]: r for r in rows if r["kind"] == "node"}
    for label, n in nodes.items():
        assert by_name[label]["count"] == n and "key" in by_name[label]["properties"]
    assert not any(k.startswith("kg_") for r in rows for k in r["properties"])
    patterns = {r["name"]: r["count"] for r in rows if r["kind"] == "relationship"}
    for rel, n in relationships.items():
        assert sum(c for p, c in patterns.items() if f"-[:{rel}]->" in p) == n


@pytest.mark.neo4j
def test_paper_entities_and_proposals_quote_the_paper(driver, seed_papers):
    ccl = _title(seed_papers, "Counter-Current Learning")
    rows = _run(driver, "paper-entities", paper="counter-current learning: a biologically")
    assert {r["paper"] for r in rows} == {ccl.title}
    found = {r["entity"]: r for r in rows}
    assert "USES_DATASET" in found["MNIST"]["relations"]
    assert "PROPOSES" in found["counter-current learning"]["relations"]
    assert all(r["evidence"] in _text(ccl) for r in rows)
    proposals = _run(driver, "proposed-contributions", label=None, limit=1000)
    assert ("counter-current learning", ccl.id) in {(r["contribution"], r["paper"]) for r in proposals}
    for row in proposals:
        assert row["evidence"] in _text(seed_papers[row["paper"]])


@pytest.mark.neo4j
def test_entity_neighbourhood_paths_start_at_the_entity(driver):
    rows = _run(driver, "entity-neighbourhood", entity="visual cortex", limit=500)
    assert len(rows) == len(_run(driver, "papers-mentioning", entity="visual cortex", limit=500))
    for row in rows:
        assert row["path"].startswith("(BrainRegion visual cortex)<-[:MENTIONS]-(Paper ")
        paper = row["path"].split("-(Paper ", 1)[1]
        assert all(o.startswith(f"(Paper {paper}-[:MENTIONS]->(") for o in row["others"])
    assert any(row["others"] for row in rows)


# --- years: the seed papers carry none, so add dated arXiv abstracts (this test empties the database) ------

def _dated_sample(shared_dir: Path, out: Path) -> Path:
    """Real arXiv abstracts: six from 2019 that name BERT (published late 2018), six from 2015-17 on LSTMs."""
    import gzip

    new, old = [], []
    with gzip.open(shared_dir / "corpus" / "abstracts-cs_ml-00.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            year = re.match(r"arXiv:(\d{2})\d{2}\.", record["id"])
            if year and year.group(1) == "19" and re.search(r"\bBERT\b", record["abstract"]) and len(new) < 6:
                new.append(record)
            elif year and "15" <= year.group(1) <= "17" and re.search(r"\bLSTM", record["abstract"]) and len(old) < 6:
                old.append(record)
            if len(new) == len(old) == 6:
                break
    out.write_text("".join(json.dumps(r) + "\n" for r in old + new), encoding="utf-8")
    return out


@pytest.mark.neo4j
def test_emerging_entities_are_those_only_newer_papers_name(empty_neo4j, seed_files, shared_dir, tmp_path):
    sample = _dated_sample(shared_dir, tmp_path / "dated.jsonl")
    ingest([*map(str, seed_files), str(sample)], empty_neo4j, IngestOptions(mode="fast"))
    driver = open_driver(empty_neo4j)
    try:
        rows = _run(driver, "emerging-entities", since=2019, limit=1000)
        bert = _names(_run(driver, "papers-mentioning", entity="BERT"), "entity")  # maybe under its long form
        assert len(bert) == 1 and bert <= _names(rows, "entity")
        for row in rows:
            assert row["first_year"] >= 2019 and row["papers"] >= 1
            older = _count(driver, "MATCH (p:Paper)-[:MENTIONS]->(e {name: $e}) WHERE p.year < 2019 RETURN count(p)",
                           e=row["entity"])
            assert older == 0
        dated_old = _count(driver, "MATCH (p:Paper)-[:MENTIONS]->(e) WHERE p.year < 2019 RETURN count(DISTINCT e)")
        assert dated_old > 0 and not (_names(rows, "entity") & {"HMDB-51", "LSTM"})
        assert _run(driver, "emerging-entities", since=None, limit=1000) == rows  # newest year = 2019
        assert _run(driver, "emerging-entities", since=2019, min_papers=2, limit=1000) == [
            r for r in rows if r["papers"] >= 2]
    finally:
        driver.close()

