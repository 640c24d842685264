"""`ingest` end to end on the seed corpus and a real Neo4j: first load, re-run, changed input, rebuild, errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from kgbuild.connection import open_driver
from kgbuild.errors import ServerError
from kgbuild.graph import build_graph
from kgbuild.ingest import IngestOptions, IngestSummary, ingest
from kgbuild.reading import read_papers
from kgbuild.shards import shard_name, write_manifest, write_shard
from tests.loading_helpers import diff, dump_graph, dump_neo4j

pytestmark = pytest.mark.neo4j
FAST = IngestOptions(mode="fast", batch_size=200)


def _dump(settings, bookkeeping: bool = True):
    driver = open_driver(settings)
    try:
        return dump_neo4j(driver, settings.database, bookkeeping)
    finally:
        driver.close()


def _copies(seed_files: list[Path], tmp_path: Path) -> list[Path]:
    out = []
    for path in seed_files:
        copy = tmp_path / path.name
        copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        out.append(copy)
    return out


def _shorten_one_abstract(files: list[Path]) -> str:
    """Cut one abstract (of at least four sentences) to its first sentence, in place; returns the paper id."""
    target = next(p for p in read_papers(files) if p.abstract.count(". ") >= 3)
    for path in files:
        text = path.read_text(encoding="utf-8")
        if target.abstract in text:
            path.write_text(text.replace(target.abstract, target.abstract.split(". ")[0] + "."), encoding="utf-8")
    return target.id


def test_first_load_then_rerun_then_changed_input_equals_clean_load(empty_neo4j, seed_files, tmp_path):
    from kgbuild.extraction import extract_papers

    files = _copies(seed_files, tmp_path)
    paths = [str(p) for p in files]
    first = ingest(paths, empty_neo4j, FAST)
    assert isinstance(first, IngestSummary)
    papers = list({p.id: p for p in read_papers(files)}.values())
    assert first.papers_read == len(papers) == first.papers_new == first.papers_extracted
    assert first.nodes["Paper"] == len(papers)
    expected = build_graph(sorted(extract_papers(papers, mode="fast"), key=lambda ep: ep.paper.id))
    assert diff(_dump(empty_neo4j, bookkeeping=False), dump_graph(expected)) == ""
    loaded = _dump(empty_neo4j)

    again = ingest(paths, empty_neo4j, FAST)
    assert again.up_to_date
    assert (again.papers_unchanged, again.papers_extracted, again.rows_written) == (len(papers), 0, 0)
    assert (again.nodes, again.relationships) == (first.nodes, first.relationships)
    assert _dump(empty_neo4j) == loaded
    json.dumps(again.to_dict())

    changed_id = _shorten_one_abstract(files)
    update = ingest(paths, empty_neo4j, FAST)
    assert (update.papers_changed, update.papers_new, update.papers_extracted) == (1, 0, 1)
    assert update.papers_written >= 1
    incremental = _dump(empty_neo4j)
    assert incremental != loaded

    clean = ingest(paths, empty_neo4j, IngestOptions(mode="fast", rebuild=True))
    assert clean.papers_new == len(papers) and clean.rebuilt
    assert diff(incremental, _dump(empty_neo4j)) == ""
    abstracts = {dict(props)["key"]: dict(props)["abstract"] for labels, props in incremental["nodes"]
                 if labels == ("Paper",)}
    assert abstracts[changed_id].count(". ") == 0


def test_ingest_of_a_subset_keeps_the_other_papers(empty_neo4j, seed_files):
    ingest([str(p) for p in seed_files], empty_neo4j, FAST)
    full = _dump(empty_neo4j)
    summary = ingest([str(seed_files[0])], empty_neo4j, FAST)
    assert summary.up_to_date and summary.papers_new == 0
    assert _dump(empty_neo4j) == full


def test_ingest_of_shard_directory_equals_ingest_of_the_files(empty_neo4j, seed_files, tmp_path):
    from kgbuild.extraction import EXTRACTION_VERSION, extract_papers

    extracted = list(extract_papers(read_papers(seed_files), mode="fast"))
    half = len(extracted) // 2
    shards = tmp_path / "shards"
    shards.mkdir()
    # the second shard was made by an older extraction: those papers must be extracted again
    parts = [extracted[:half], [replace(ep, extraction_version="0-old") for ep in extracted[half:]]]
    listed = [{"file": shard_name(i), "papers": write_shard(part, shards / shard_name(i))}
              for i, part in enumerate(parts)]
    write_manifest(shards, listed, EXTRACTION_VERSION, "fast")

    from_shards = ingest([str(shards)], empty_neo4j, FAST)
    assert from_shards.papers_new == from_shards.papers_read == len(extracted)
    assert from_shards.papers_extracted == len(extracted) - half
    via_shards = _dump(empty_neo4j)
    from_files = ingest([str(p) for p in seed_files], empty_neo4j, IngestOptions(mode="fast", rebuild=True))
    assert from_files.papers_extracted == len(extracted)
    assert diff(via_shards, _dump(empty_neo4j)) == ""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "override, message",
    [
        ({"password": "not-the-password"}, "wrong user or password"),
        ({"uri": f"bolt://127.0.0.1:{_closed_port()}"}, "cannot reach Neo4j"),
        ({"database": "nosuchdb"}, "no database 'nosuchdb'"),
    ],
)
def test_connection_problems_are_one_clear_line(neo4j_settings, seed_files, override, message):
    settings = neo4j_settings.with_overrides(**override)
    with pytest.raises(ServerError) as error:
        ingest([str(seed_files[0])], settings, FAST)
    text = str(error.value)
    assert message in text and "\n" not in text and "not-the-password" not in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--password", "not-the-password"], "wrong user or password"),
        (["--uri", f"bolt://127.0.0.1:{_closed_port()}"], "cannot reach Neo4j"),
        (["--database", "nosuchdb"], "no database 'nosuchdb'"),
    ],
)
def test_cli_connection_problems_exit_non_zero_with_one_line(neo4j_settings, seed_files, args, message):
    base = ["--uri", neo4j_settings.uri, "--password", neo4j_settings.password]
    command = [sys.executable, "-m", "kgbuild.cli", "ingest", str(seed_files[0]), "--mode", "fast", "--quiet",
               *base, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr and "not-the-password" not in done.stderr
