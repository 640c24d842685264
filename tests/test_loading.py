"""The loader against a real Neo4j: schema, exact contents, idempotence, incremental updates equal to clean loads."""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from neo4j.exceptions import ConstraintError

from kgbuild import loading
from kgbuild.connection import open_driver
from kgbuild.errors import KgbuildError
from kgbuild.graph import NODE_LABEL_ORDER, build_graph
from kgbuild.records import NODE_LABELS, ExtractedPaper
from tests.graph_helpers import seed_extracted
from tests.loading_helpers import diff, dump_graph, dump_neo4j

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def seed_eps(seed_files) -> list[ExtractedPaper]:
    return sorted(seed_extracted(seed_files), key=lambda ep: ep.paper.id)


@pytest.fixture()
def driver(empty_neo4j):
    d = open_driver(empty_neo4j)
    loading.ensure_schema(d, empty_neo4j.database)
    yield d
    d.close()


def _load(driver, db, eps: list[ExtractedPaper], **kw) -> loading.LoadResult:
    eps = sorted(eps, key=lambda ep: ep.paper.id)
    blobs = {ep.paper.id: loading.encode_extraction(ep) for ep in eps}
    return loading.load_graph(driver, db, build_graph(eps), blobs, **kw)


def _clean_dump(driver, db, eps):
    loading.clear_graph(driver, db)
    _load(driver, db, eps)
    return dump_neo4j(driver, db)


def test_schema_is_created_idempotently_and_enforces_unique_keys(driver, empty_neo4j):
    db = empty_neo4j.database
    loading.ensure_schema(driver, db)
    records, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type RETURN labelsOrTypes[0] AS label, properties, type",
        database_=db,
    )
    unique = {r["label"] for r in records if r["type"] == "UNIQUENESS" and r["properties"] == ["key"]}
    assert set(NODE_LABEL_ORDER) <= unique
    indexes, _, _ = driver.execute_query("SHOW INDEXES YIELD name, type, state, properties", database_=db)
    by_name = {r["name"]: r for r in indexes}
    assert by_name["kg_paper_text"]["type"] == "FULLTEXT"
    assert by_name["kg_entity_names"]["properties"] == ["name", "aliases"]
    assert all(r["state"] == "ONLINE" for r in indexes)
    driver.execute_query("CREATE (:Paper {key: 'arxiv:1'})", database_=db)
    with pytest.raises(ConstraintError):
        driver.execute_query("CREATE (:Paper {key: 'arxiv:1'})", database_=db)


def test_load_writes_exactly_the_graph_and_a_second_load_writes_nothing(driver, empty_neo4j, seed_eps):
    db = empty_neo4j.database
    G = build_graph(seed_eps)
    first = _load(driver, db, seed_eps, batch_size=50)
    assert first.papers_written == len(seed_eps)
    assert first.batches > 1
    assert diff(dump_neo4j(driver, db, bookkeeping=False), dump_graph(G)) == ""
    before = dump_neo4j(driver, db)

    again = _load(driver, db, seed_eps, batch_size=50)
    assert (again.papers_written, again.nodes_written, again.rows_written) == (0, 0, 0)
    assert dump_neo4j(driver, db) == before
    nodes, rels = loading.graph_counts(driver, db)
    assert nodes == dict(Counter(d["label"] for _, d in G.nodes(data=True)))
    assert rels == dict(Counter(k for _, _, k in G.edges(keys=True)))
    assert loading.load_state(driver, db)["dirty"] is False


def test_batch_size_does_not_change_the_result(driver, empty_neo4j, seed_eps):
    db = empty_neo4j.database
    _load(driver, db, seed_eps, batch_size=3)
    small = dump_neo4j(driver, db)
    assert _clean_dump(driver, db, seed_eps) == small


def test_fulltext_indexes_find_papers_and_entities(driver, empty_neo4j, seed_eps):
    db = empty_neo4j.database
    _load(driver, db, seed_eps)
    G = build_graph(seed_eps)
    entity = next(d for _, d in G.nodes(data=True) if d["label"] in NODE_LABELS.values())
    records, _, _ = driver.execute_query(
        "CALL db.index.fulltext.queryNodes('kg_entity_names', $q) YIELD node RETURN node.key AS key",
        q=f'"{entity["name"]}"', database_=db,
    )
    assert entity["key"] in [r["key"] for r in records]
    paper = seed_eps[0].paper
    word = max(paper.title.split(), key=len).strip(":,.()")
    records, _, _ = driver.execute_query(
        "CALL db.index.fulltext.queryNodes('kg_paper_text', $q) YIELD node RETURN node.key AS key",
        q=word, database_=db,
    )
    assert paper.id in [r["key"] for r in records]


def _paper_with_own_entity(eps: list[ExtractedPaper]) -> tuple[int, str]:
    """Index of a paper having an entity (by key) that no other paper has, and that key."""
    papers_of = Counter(e.key for ep in eps for e in {e.key: e for e in ep.entities}.values())
    for i, ep in enumerate(eps):
        own = [e.key for e in ep.entities if papers_of[e.key] == 1]
        if own and len(ep.entities) > 1:
            return i, own[0]
    pytest.skip("no paper with an entity of its own in the seed extraction")


def test_changed_paper_gets_its_edges_replaced_and_orphans_are_removed(driver, empty_neo4j, seed_eps):
    db = empty_neo4j.database
    i, key = _paper_with_own_entity(seed_eps)
    changed = list(seed_eps)
    ep = changed[i]
    changed[i] = dataclasses.replace(ep, entities=tuple(e for e in ep.entities if e.key != key))
    expected = _clean_dump(driver, db, changed)

    loading.clear_graph(driver, db)
    _load(driver, db, seed_eps)
    result = _load(driver, db, changed)
    assert result.papers_written == 1
    assert [o["key"] for o in result.orphans_removed] == [key]
    assert diff(dump_neo4j(driver, db), expected) == ""


def test_label_decided_by_more_papers_moves_edges_of_unchanged_papers(driver, empty_neo4j, seed_eps):
    """Three papers name X; two of them change X's type: the third, unchanged, paper's edge moves too."""
    db = empty_neo4j.database
    holders: dict[str, list[int]] = {}
    for i, ep in enumerate(seed_eps):
        for e in {e.key: e for e in ep.entities}.values():
            holders.setdefault(e.key, []).append(i)
    key, idx = next(((k, v) for k, v in holders.items() if len(v) >= 3), (None, None))
    if key is None:
        pytest.skip("no entity in three seed papers")
    old = next(e.label for e in seed_eps[idx[0]].entities if e.key == key)
    new_label = next(t for t in ("TASK", "METRIC", "METHOD") if t != old)
    changed = list(seed_eps)
    for i in idx[:-1]:
        ep = changed[i]
        ents = tuple(dataclasses.replace(e, label=new_label) if e.key == key else e for e in ep.entities)
        changed[i] = dataclasses.replace(ep, entities=ents)
    flips = len(idx[:-1]) > len(idx) / 2
    expected = _clean_dump(driver, db, changed)

    loading.clear_graph(driver, db)
    _load(driver, db, seed_eps)
    result = _load(driver, db, changed)
    assert diff(dump_neo4j(driver, db), expected) == ""
    if flips:
        assert result.papers_written == len(idx)
        assert {"label": NODE_LABELS[old], "key": key} in [{k: o[k] for k in ("label", "key")}
                                                           for o in result.orphans_removed]


def test_neo4j_scheme_uri_works(empty_neo4j, seed_eps):
    routed = empty_neo4j.with_overrides(uri=empty_neo4j.uri.replace("bolt://", "neo4j://"))
    d = open_driver(routed)
    try:
        loading.ensure_schema(d, routed.database)
        result = _load(d, routed.database, seed_eps[:20])
        assert result.papers_written == 20
        assert loading.graph_counts(d, routed.database)[0]["Paper"] == 20
    finally:
        d.close()


def test_extraction_blob_round_trips(seed_eps):
    for ep in seed_eps:
        blob = loading.encode_extraction(ep)
        assert loading.decode_extraction(blob) == ep
        assert loading.encode_extraction(loading.decode_extraction(blob)) == blob
    assert loading.decode_extraction(b"not zlib") is None


def test_names_outside_the_whitelist_are_refused():
    with pytest.raises(KgbuildError):
        loading._label("Paper) DETACH DELETE (n")
    with pytest.raises(KgbuildError):
        loading._rel("KNOWS")
