"""Exports of the seed graph: GraphML and JSON round-trip through networkx, CSV imports with neo4j-admin."""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import networkx as nx
import pytest

from kgbuild.errors import KgbuildError
from kgbuild.export import ARGS_FILE, ARRAY_DELIMITER, admin_import_args_from, export_graph
from kgbuild.graph import build_graph, edge_rows, node_rows
from tests.graph_helpers import seed_extracted

ADMIN_TYPES = {"string", "long", "double", "boolean", "string[]", "long[]", "double[]", "boolean[]"}


@pytest.fixture(scope="module")
def G(seed_files) -> nx.MultiDiGraph:
    return build_graph(seed_extracted(seed_files))


def test_graphml_round_trips_through_networkx(G, tmp_path):
    (path,) = export_graph(G, "graphml", tmp_path / "seed.graphml")
    back = nx.read_graphml(path)
    assert isinstance(back, nx.MultiDiGraph)
    assert (back.number_of_nodes(), back.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    assert set(back.nodes) == set(G.nodes)
    assert Counter(d["label"] for *_, d in back.edges(data=True)) == Counter(k for *_, k in G.edges(keys=True))
    edge_ids = [e.get("id") for e in ElementTree.parse(path).iter("{http://graphml.graphdrawing.org/xmlns}edge")]
    assert len(set(edge_ids)) == len(edge_ids) == G.number_of_edges()  # Gephi drops edges with repeated ids
    for n, d in G.nodes(data=True):
        b = back.nodes[n]
        assert (b["key"], b["node_label"], b["label"]) == (d["key"], d["label"], d["name"])
        if "paper_count" in d:
            assert b["paper_count"] == d["paper_count"] and json.loads(b["aliases"]) == d["aliases"]
    u, v, k, d = next(e for e in G.edges(keys=True, data=True) if e[2] == "MENTIONS")
    (b,) = [e for e in back.get_edge_data(u, v).values() if e["label"] == k]
    assert json.loads(b["offsets"]) == d["offsets"] and b["count"] == d["count"]


def test_json_is_node_link_data_and_round_trips(G, tmp_path):
    (path,) = export_graph(G, "json", tmp_path / "seed.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {"nodes", "edges", "directed", "multigraph"} <= set(data)
    back = nx.node_link_graph(data, edges="edges")
    assert (back.number_of_nodes(), back.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    assert dict(back.nodes(data=True)) == dict(G.nodes(data=True))
    assert sorted(back.edges(keys=True, data=True), key=repr) == sorted(G.edges(keys=True, data=True), key=repr)


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_csv_has_neo4j_admin_headers_and_the_graph_counts(G, tmp_path):
    files = export_graph(G, "csv", tmp_path / "csv")
    assert files[-1].name == ARGS_FILE
    ids: dict[str, set[str]] = {}
    for label, rows in node_rows(G).items():
        header, body = _read_csv(tmp_path / "csv" / f"nodes_{label}.csv")
        assert header[0] == f"key:ID({label})" and header[1] == "name:string" and header[-1] == ":LABEL"
        assert all(h.split(":", 1)[1] in ADMIN_TYPES for h in header[1:-1])
        assert len(body) == len(rows) and {r[-1] for r in body} == {label}
        ids[label] = {r[0] for r in body}
        assert ids[label] == {r["key"] for r in rows}
    for (rel, start, end), rows in edge_rows(G).items():
        header, body = _read_csv(tmp_path / "csv" / f"rels_{rel}_{start}_{end}.csv")
        assert header[:2] == [f":START_ID({start})", f":END_ID({end})"] and header[-1] == ":TYPE"
        assert len(body) == len(rows) and {r[-1] for r in body} == {rel}
        assert all(r[0] in ids[start] and r[1] in ids[end] for r in body)
        columns = [h.split(":")[0] for h in header]
        if rel == "MENTIONS":
            first = dict(zip(columns, body[0], strict=True))
            assert first["offsets"].split(ARRAY_DELIMITER) == rows[0]["props"]["offsets"]
            assert int(first["count"]) == rows[0]["props"]["count"]
    args = admin_import_args_from(tmp_path / "csv")
    listed = {a.split("=", 1)[1] for a in args if a.startswith(("--nodes=", "--relationships="))}
    assert listed == {str(f.resolve()) for f in files[:-1]}
    assert "--array-delimiter=U+001F" in args


def test_export_errors_are_clear(G, tmp_path):
    with pytest.raises(KgbuildError, match="unknown export format 'gexf'"):
        export_graph(G, "gexf", tmp_path / "x")
    with pytest.raises(KgbuildError, match="is a directory"):
        export_graph(G, "graphml", tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(KgbuildError, match="needs a directory"):
        export_graph(G, "csv", tmp_path / "file")


def _counts(settings) -> tuple[dict[str, int], dict[str, int]]:
    from kgbuild.connection import open_driver
    from kgbuild.loading import graph_counts

    driver = open_driver(settings)
    try:
        return graph_counts(driver, settings.database)
    finally:
        driver.close()


def _normal_load(G, settings) -> None:
    from kgbuild.connection import open_driver
    from kgbuild.loading import ensure_schema, load_graph

    driver = open_driver(settings)
    try:
        ensure_schema(driver, settings.database)
        load_graph(driver, settings.database, G)
    finally:
        driver.close()


@pytest.mark.neo4j
@pytest.mark.slow
def test_csv_imports_with_neo4j_admin_into_the_same_graph_as_a_normal_load(G, tmp_path, kgbuild_home,
                                                                          empty_neo4j):
    from kgbuild import server
    from kgbuild.config import Settings
    from kgbuild.connection import open_driver

    _normal_load(G, empty_neo4j)
    loaded = _counts(empty_neo4j)

    export_graph(G, "csv", tmp_path / "csv")
    instance, password = "neo4j-import-test", "kgbuild-import-pw"
    server.stop(kgbuild_home, instance)
    shutil.rmtree(kgbuild_home / instance, ignore_errors=True)
    result = server.neo4j_admin(kgbuild_home, instance, [
        "database", "import", "full", *admin_import_args_from(tmp_path / "csv"), "--overwrite-destination", "neo4j"])
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    u, v, d = next((u, v, d) for u, v, k, d in G.edges(keys=True, data=True) if k == "MENTIONS")
    try:
        info = server.start(kgbuild_home, password, instance=instance, port=None)
        imported_settings = Settings(uri=info.uri, password=password, home=kgbuild_home)
        imported = _counts(imported_settings)
        driver = open_driver(imported_settings)
        try:
            records, _, _ = driver.execute_query(
                "MATCH (p:Paper {key: $p})-[r:MENTIONS]->(e {key: $e}) "
                "RETURN r.offsets AS o, r.sentences AS s, r.count AS c, p.name AS name",
                p=G.nodes[u]["key"], e=G.nodes[v]["key"])
        finally:
            driver.close()
    finally:
        server.stop(kgbuild_home, instance)
        shutil.rmtree(kgbuild_home / instance, ignore_errors=True)
    assert imported == loaded
    assert loaded[0] == dict(Counter(d["label"] for _, d in G.nodes(data=True)))
    assert loaded[1] == dict(Counter(k for *_, k in G.edges(keys=True)))
    assert (records[0]["o"], records[0]["s"], records[0]["c"], records[0]["name"]) == (
        d["offsets"], d["sentences"], d["count"], G.nodes[u]["name"])
