"""`kgbuild ingest --bulk`: neo4j-admin import into the empty local database, checked against a real server.

The bulk-loaded database must equal a transactional load of the same files (every node, relationship and
property, the stored extractions included) and carry on incrementally afterwards. Uses its own server
instance ("neo4j-bulk-test"), since the import stops and restarts the server it writes to.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgbuild import loading, server
from kgbuild.cli import main
from kgbuild.config import Settings
from kgbuild.connection import open_driver
from kgbuild.errors import KgbuildError
from kgbuild.ingest import IngestOptions, ingest
from kgbuild.reading import read_papers
from tests.loading_helpers import diff, dump_neo4j
from tests.test_ingest import _copies, _shorten_one_abstract

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

INSTANCE = "neo4j-bulk-test"
PASSWORD = "kgbuild-bulk-pw"
FAST = IngestOptions(mode="fast")
BULK = IngestOptions(mode="fast", bulk=True)


@pytest.fixture(scope="module")
def bulk_server(kgbuild_home: Path):
    server.stop(kgbuild_home, INSTANCE)
    shutil.rmtree(kgbuild_home / INSTANCE, ignore_errors=True)
    info = server.start(kgbuild_home, PASSWORD, instance=INSTANCE, port=None)
    yield Settings(uri=info.uri, password=PASSWORD, home=kgbuild_home)
    server.stop(kgbuild_home, INSTANCE)
    shutil.rmtree(kgbuild_home / INSTANCE, ignore_errors=True)


def _dump(settings: Settings) -> dict[str, Counter]:
    """The whole graph, with each stored extraction decoded (bulk stores it as base64 text, a load as bytes)."""
    driver = open_driver(settings)
    try:
        dump = dump_neo4j(driver, settings.database, bookkeeping=True)
    finally:
        driver.close()
    nodes: Counter = Counter()
    for (labels, props), n in dump["nodes"].items():
        decoded = tuple((k, loading.decode_extraction(v) if k == loading.EXTRACTION_BLOB else v) for k, v in props)
        nodes[(labels, decoded)] += n
    return {"nodes": nodes, "edges": dump["edges"]}


def _schema(settings: Settings) -> set[tuple[str, str]]:
    driver = open_driver(settings)
    try:
        records, _, _ = driver.execute_query("SHOW INDEXES YIELD name, state", database_=settings.database)
    finally:
        driver.close()
    return {(r["name"], r["state"]) for r in records}


def test_bulk_import_equals_a_transactional_load_and_continues_incrementally(bulk_server, empty_neo4j,
                                                                             seed_files, tmp_path):
    files = _copies(seed_files, tmp_path)
    paths = [str(p) for p in files]
    papers = len({p.id for p in read_papers(files)})

    imported = ingest(paths, bulk_server, BULK)
    assert imported.papers_in_database == imported.papers_written == imported.papers_new == papers
    assert {"bulk_files", "bulk_import", "bulk_schema"} <= set(imported.seconds_by_stage)
    loaded = ingest(paths, empty_neo4j, FAST)
    assert (imported.nodes, imported.relationships) == (loaded.nodes, loaded.relationships)
    assert diff(_dump(bulk_server), _dump(empty_neo4j)) == ""
    assert _schema(bulk_server) == _schema(empty_neo4j)
    assert all(state == "ONLINE" for _, state in _schema(bulk_server))

    again = ingest(paths, bulk_server, FAST)
    assert again.up_to_date and again.papers_written == 0

    changed_id = _shorten_one_abstract(files)
    after = ingest(paths, bulk_server, FAST)
    assert (after.papers_changed, after.papers_new, after.papers_extracted) == (1, 0, 1)
    ingest(paths, empty_neo4j, FAST)
    assert diff(_dump(bulk_server), _dump(empty_neo4j)) == ""
    driver = open_driver(bulk_server)
    try:
        records, _, _ = driver.execute_query("MATCH (p:Paper {key: $key}) RETURN p.abstract AS a",
                                             key=changed_id, database_=bulk_server.database)
    finally:
        driver.close()
    assert records[0]["a"].count(". ") == 0


def test_bulk_refuses_a_database_with_data_and_a_remote_server(bulk_server, seed_files):
    ingest([str(seed_files[0])], bulk_server, FAST)
    with pytest.raises(KgbuildError, match="empty database only"):
        ingest([str(seed_files[0])], bulk_server, BULK)
    remote = bulk_server.with_overrides(uri="neo4j://kg.example.org:7687")
    with pytest.raises(KgbuildError, match="local Neo4j"):
        ingest([str(seed_files[0])], remote, BULK)


def test_cli_bulk_over_data_is_one_line_and_rebuild_replaces_it(bulk_server, seed_files, monkeypatch):
    for name, value in {"NEO4J_URI": bulk_server.uri, "NEO4J_PASSWORD": PASSWORD,
                        "KGBUILD_HOME": str(bulk_server.home)}.items():
        monkeypatch.setenv(name, value)
    ingest([str(seed_files[0])], bulk_server, FAST)
    refused = CliRunner().invoke(main, ["ingest", "--bulk", "--mode", "fast", str(seed_files[1])])
    assert refused.exit_code == 1
    assert "empty database only" in refused.output and "Traceback" not in refused.output
    assert PASSWORD not in refused.output
    replaced = CliRunner().invoke(main, ["ingest", "--bulk", "--rebuild", "--mode", "fast", "--json",
                                         str(seed_files[1])])
    assert replaced.exit_code == 0, replaced.output
    expected = len({p.id for p in read_papers([seed_files[1]])})
    driver = open_driver(bulk_server)
    try:
        records, _, _ = driver.execute_query("MATCH (p:Paper) RETURN count(p) AS n", database_=bulk_server.database)
    finally:
        driver.close()
    assert records[0]["n"] == expected
