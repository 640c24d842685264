"""Shared fixtures: the seed corpus and a real local Neo4j (never a mock).

The server is the project's own (`kgbuild.server`, instance "neo4j-test" on a free port, so a user's
demo data in instance "neo4j" is never touched). If it was already running it is left running;
otherwise it is started here and stopped at the end of the session. Set KGBUILD_TEST_NEO4J_URI
(with NEO4J_USER / NEO4J_PASSWORD) to run the integration tests against another server instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kgbuild import server
from kgbuild.config import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
TEST_INSTANCE = "neo4j-test"
TEST_PASSWORD = "kgbuild-test-pw"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session")
def seed_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.txt"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def kgbuild_home() -> Path:
    return Path(os.environ.get("KGBUILD_HOME", ROOT / ".kgbuild")).resolve()


@pytest.fixture(scope="session")
def neo4j_settings(kgbuild_home: Path) -> Iterator[Settings]:
    """Settings pointing at a real, running Neo4j for integration tests."""
    uri = os.environ.get("KGBUILD_TEST_NEO4J_URI")
    if uri:
        yield Settings(
            uri=uri,
            user=os.environ.get("NEO4J_USER", "neo4j"),
            password=os.environ.get("NEO4J_PASSWORD", TEST_PASSWORD),
            database=os.environ.get("NEO4J_DATABASE", "neo4j"),
            home=kgbuild_home,
        )
        return
    already = server.status(kgbuild_home, TEST_INSTANCE)
    info = already or server.start(kgbuild_home, TEST_PASSWORD, instance=TEST_INSTANCE, port=None)
    yield Settings(uri=info.uri, password=TEST_PASSWORD, home=kgbuild_home)
    if already is None:
        server.stop(kgbuild_home, TEST_INSTANCE)


def wipe_data(settings: Settings) -> None:
    """Delete every node and relationship (constraints and indexes stay)."""
    from kgbuild.connection import open_driver

    driver = open_driver(settings)
    try:
        with driver.session(database=settings.database) as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    finally:
        driver.close()


@pytest.fixture(scope="module")
def seed_graph(neo4j_settings: Settings, seed_files: list[Path]) -> Settings:
    """The seed corpus ingested once per test module (fast extraction) into a wiped test server."""
    from kgbuild.ingest import IngestOptions, ingest
    from kgbuild.reading import read_papers

    wipe_data(neo4j_settings)
    summary = ingest([str(p) for p in seed_files], neo4j_settings, IngestOptions(mode="fast"))
    assert summary.papers_in_database == len({p.id for p in read_papers(seed_files)})
    return neo4j_settings


@pytest.fixture(scope="module")
def driver(seed_graph: Settings) -> Iterator[Any]:
    from kgbuild.connection import open_driver

    d = open_driver(seed_graph)
    yield d
    d.close()


@pytest.fixture(scope="module")
def seed_papers(seed_files: list[Path]) -> dict[str, Any]:
    """The seed papers as the files say, by id: the independent truth answers are checked against."""
    from kgbuild.reading import read_papers

    return {p.id: p for p in read_papers(seed_files)}


@pytest.fixture()
def empty_neo4j(neo4j_settings: Settings) -> Settings:
    """The test server with no data, constraints or indexes left by an earlier test."""
    from kgbuild.connection import open_driver

    wipe_data(neo4j_settings)
    driver = open_driver(neo4j_settings)
    try:
        for kind in ("CONSTRAINTS", "INDEXES"):
            records, _, _ = driver.execute_query(f"SHOW {kind} YIELD name, type", database_=neo4j_settings.database)
            for record in records:
                if record["type"] == "LOOKUP":
                    continue
                statement = "DROP CONSTRAINT $name IF EXISTS" if kind == "CONSTRAINTS" else "DROP INDEX $name IF EXISTS"
                driver.execute_query(statement, name=record["name"], database_=neo4j_settings.database)
    finally:
        driver.close()
    return neo4j_settings
