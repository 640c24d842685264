"""Kill the real Neo4j process during loads of a few thousand abstracts, restart, re-run: the graph must equal
a clean load exactly (every node, relationship and property), with nothing lost and nothing duplicated.

Uses its own server instance ("neo4j-fault") so the SIGKILLs never hit the shared test server.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
import time
from itertools import islice
from pathlib import Path

import pytest

from kgbuild import loading, server
from kgbuild.config import Settings
from kgbuild.connection import open_driver
from kgbuild.errors import ServerError
from kgbuild.ingest import IngestOptions, ingest
from tests.loading_helpers import diff, dump_neo4j

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

INSTANCE = "neo4j-fault"
PASSWORD = "kgbuild-fault-pw"
N_ABSTRACTS = 2000
OPTIONS = IngestOptions(mode="fast", batch_size=500)


class KillAt:
    """Stands in for a rich Progress: kills the server once a task reaches a share of its total.

    `delay` > 0 kills from a timer thread, so the kill lands inside the next transaction rather than
    between two.
    """

    def __init__(self, description: str, fraction: float, kill, delay: float = 0.0) -> None:
        self.description, self.fraction, self.kill, self.delay = description, fraction, kill, delay
        self.tasks: dict[int, list] = {}
        self.fired = False

    def add_task(self, description: str, total: int | None = None, **fields) -> int:
        self.tasks[len(self.tasks)] = [description, total, 0]
        return len(self.tasks) - 1

    def update(self, task_id: int, *, total=None, completed=None, advance=None, **fields) -> None:
        task = self.tasks[task_id]
        if total is not None:
            task[1] = total
        if completed is not None:
            task[2] = completed
        task[2] += advance or 0
        if not self.fired and task[0] == self.description and task[1] and task[2] >= self.fraction * task[1]:
            self.fired = True
            if self.delay:
                threading.Timer(self.delay, self.kill).start()
            else:
                self.kill()


def _dump(settings: Settings):
    driver = open_driver(settings)
    try:
        return dump_neo4j(driver, settings.database)
    finally:
        driver.close()


def _count_papers(settings: Settings) -> int:
    driver = open_driver(settings)
    try:
        with driver.session(database=settings.database, notifications_min_severity="OFF") as session:
            return session.run("MATCH (p:Paper) RETURN count(p) AS n").single()["n"]
    finally:
        driver.close()


def _papers_are_complete(partial, reference) -> int:
    """Every Paper in the partial load has exactly the reference's outgoing edges; returns how many papers."""
    papers = {props for (labels, props) in partial["nodes"] if labels == ("Paper",)}
    assert papers <= set(p for (labels, p) in reference["nodes"] if labels == ("Paper",))
    keys = {dict(p)["key"] for p in papers}
    mine = sorted(e for e in partial["edges"].elements() if e[1] == ("Paper",) and e[2] in keys)
    theirs = sorted(e for e in reference["edges"].elements() if e[1] == ("Paper",) and e[2] in keys)
    assert mine == theirs
    return len(keys)


@pytest.fixture(scope="module")
def abstracts(shared_dir: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fault") / "abstracts.jsonl.gz"
    with gzip.open(shared_dir / "corpus" / "abstracts-cs_ml-00.jsonl.gz", "rt", encoding="utf-8") as src, \
            gzip.open(out, "wt", encoding="utf-8") as dst:
        dst.writelines(islice(src, N_ABSTRACTS))
    return out


@pytest.fixture(scope="module")
def fault_server(kgbuild_home: Path):
    info = server.start(kgbuild_home, PASSWORD, instance=INSTANCE, port=None)
    settings = Settings(uri=info.uri, password=PASSWORD, home=kgbuild_home)
    driver = open_driver(settings)
    try:
        loading.clear_graph(driver, settings.database)
    finally:
        driver.close()
    yield settings, info.port
    server.stop(kgbuild_home, INSTANCE)


def test_killed_loads_complete_on_rerun_and_equal_a_clean_load(empty_neo4j, fault_server, abstracts, kgbuild_home):
    clean = ingest([str(abstracts)], empty_neo4j, OPTIONS)
    assert clean.papers_new == N_ABSTRACTS
    reference = _dump(empty_neo4j)

    settings, port = fault_server

    def kill() -> None:
        server.stop(kgbuild_home, INSTANCE, kill=True)

    def restart() -> Settings:
        """The same instance again (on the old port when it is free, else on another one)."""
        info = server.start(kgbuild_home, PASSWORD, instance=INSTANCE, port=port)
        return settings.with_overrides(uri=info.uri)

    # 1. the command itself, killed from outside once some papers are in: one line, exit code 1
    command = [sys.executable, "-m", "kgbuild.cli", "ingest", str(abstracts), "--mode", "fast", "--quiet",
               "--rebuild", "--batch-size", str(OPTIONS.batch_size), "--uri", settings.uri,
               "--password", PASSWORD]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline:
        if _count_papers(settings) >= N_ABSTRACTS // 4:
            kill()
            break
        time.sleep(0.2)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 1, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "run the same command again" in lines[0], stderr
    settings = restart()
    written = _papers_are_complete(_dump(settings), reference)
    assert N_ABSTRACTS // 4 <= written < N_ABSTRACTS

    # 2. killed inside a paper transaction, 3. killed while writing entities and co-occurrences
    for description, fraction in (("writing papers", 0.5), ("writing entities and co-occurrences", 0.5)):
        progress = KillAt(description, fraction, kill, delay=0.05)
        with pytest.raises(ServerError, match="run the same command again"):
            ingest([str(abstracts)], settings, OPTIONS, progress)
        assert progress.fired
        settings = restart()
        _papers_are_complete(_dump(settings), reference)

    final = ingest([str(abstracts)], settings, OPTIONS)
    assert not final.up_to_date
    assert diff(_dump(settings), reference) == ""
    assert (final.nodes, final.relationships) == (clean.nodes, clean.relationships)
    assert ingest([str(abstracts)], settings, OPTIONS).up_to_date
