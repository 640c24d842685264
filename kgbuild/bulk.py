"""First load of a large corpus with `neo4j-admin database import full` instead of transactions.

The import is offline: the local server (`kgbuild neo4j start`) is stopped, its database is replaced by
the CSV files, and the server is started again on the same port. The files are written from the plan
the transactional loader writes (`loading.plan_nodes`), with every node's `kg_sig` and every Paper's
stored extraction (base64 text: CSV holds no bytes), and afterwards the same constraints, indexes and
load journal are created. So the database equals a transactional load of the same graph, and the next
`kgbuild ingest` of new or changed papers continues incrementally.

Only an empty database is imported into (or one holding nothing but kgbuild's nodes, with --rebuild):
the import replaces the whole database.
"""

from __future__ import annotations

import base64
import re
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from neo4j import Driver

from kgbuild import loading, server
from kgbuild.config import Settings
from kgbuild.connection import open_driver
from kgbuild.errors import KgbuildError
from kgbuild.export import admin_import_args, write_table
from kgbuild.graph import NODE_LABEL_ORDER, PAPER

OFF_HEAP = "512m"
"""Off-heap memory neo4j-admin may take (its default is 90% of free memory)."""
_IMPORT_DONE = re.compile(r"IMPORT DONE in (?:(?P<m>\d+)m(?!s) ?)?(?:(?P<s>\d+)s ?)?(?:(?P<ms>\d+)ms)?")

StepHook = Callable[[str], None]
"""Called with a short description as each step of the bulk load begins."""


@dataclass
class BulkResult(loading.LoadResult):
    """A load's counters, plus the server the import left running and the seconds each step took."""

    uri: str = ""
    seconds_by_step: dict[str, float] = field(default_factory=dict)


def local_instance(settings: Settings) -> tuple[str, server.ServerInfo]:
    """The local server behind `settings.uri`, whose files neo4j-admin can reach; else a clear error."""
    found = server.instance_serving(settings.home, settings.uri or "")
    if found is None:
        raise KgbuildError(
            f"--bulk imports with neo4j-admin into the local Neo4j of `kgbuild neo4j start`, and {settings.uri} is "
            "not one: run without --bulk, or write the files with `kgbuild export --format csv` and import them "
            "on that server with `neo4j-admin database import full`"
        )
    return found


def check_importable(driver: Driver, database: str, rebuild: bool) -> None:
    """Refuse to import over data: the import replaces the whole database."""
    labels = list(NODE_LABEL_ORDER) + [loading.STATE_LABEL]
    records, _, _ = driver.execute_query(
        "MATCH (n) RETURN count(n) AS total, count(CASE WHEN any(l IN labels(n) WHERE l IN $labels) "
        "THEN 1 END) AS ours",
        labels=labels, database_=database,
    )
    total, ours = records[0]["total"], records[0]["ours"]
    if total and not rebuild:
        raise KgbuildError(
            f"--bulk imports into an empty database only, and this one holds {total:,} nodes: run without --bulk "
            "to add to it incrementally, or add --rebuild to replace kgbuild's graph"
        )
    if total > ours:
        raise KgbuildError(
            f"--bulk would replace the whole database, which holds {total - ours:,} nodes kgbuild did not write: "
            "run without --bulk"
        )


def write_import_files(G: nx.MultiDiGraph, extractions: Mapping[str, bytes], out_dir: Path
                       ) -> tuple[list[Path], list[Path], dict[str, list[dict[str, Any]]], int]:
    """neo4j-admin CSV files of the load plan; also the empty strings and lists CSV cannot carry (to set
    after the import, by label), and the number of rows."""
    plan = loading.plan_nodes(G)
    nodes: list[Path] = []
    rels: list[Path] = []
    empties: dict[str, list[dict[str, Any]]] = defaultdict(list)
    edges: dict[tuple[str, str, str], list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    rows = 0
    for label in NODE_LABEL_ORDER:
        writes = plan.get(label, [])
        if not writes:
            continue
        props = []
        for w in writes:
            row = {**w.props, loading.SIG: w.sig}
            if label == PAPER and w.key in extractions:
                row[loading.EXTRACTION_BLOB] = base64.b64encode(extractions[w.key]).decode("ascii")
            empty = {k: v for k, v in row.items() if v in ("", [], ())}
            if empty:
                empties[label].append({"key": w.key, "props": {k: list(v) if isinstance(v, tuple) else v
                                                               for k, v in empty.items()}})
            props.append({k: v for k, v in row.items() if k not in empty})
            for rel, end_label, end_key, edge_props in w.edges:
                edges[(rel, label, end_label)].append((w.key, end_key, edge_props))
            rows += w.rows
        path = out_dir / f"nodes_{label}.csv"
        write_table(path, [f"key:ID({label})"], [[w.key] for w in writes],
                    [{k: v for k, v in p.items() if k != "key"} for p in props], (":LABEL", label))
        nodes.append(path)
    for (rel, start, end), items in sorted(edges.items()):
        if any(v in ("", [], ()) for _, _, p in items for v in p.values()):
            raise KgbuildError(f"{rel} edges carry an empty value that CSV cannot hold; run without --bulk")
        path = out_dir / f"rels_{rel}_{start}_{end}.csv"
        write_table(path, [f":START_ID({start})", f":END_ID({end})"], [[a, b] for a, b, _ in items],
                    [p for _, _, p in items], (":TYPE", rel))
        rels.append(path)
    return nodes, rels, dict(empties), rows


def import_graph(settings: Settings, G: nx.MultiDiGraph, extractions: Mapping[str, bytes], *,
                 extraction_version: str, on_step: StepHook | None = None) -> BulkResult:
    """Replace the local database behind `settings.uri` with `G` through neo4j-admin, then create the schema
    and close the load journal. The server is started again even when the import fails."""
    start = time.perf_counter()
    result = BulkResult()
    instance, info = local_instance(settings)
    times = result.seconds_by_step

    def step(name: str, description: str, since: float) -> float:
        now = time.perf_counter()
        times[name] = round(now - since, 3)
        if on_step:
            on_step(description)
        return now

    home = Path(settings.home)
    home.mkdir(parents=True, exist_ok=True)
    papers = sum(1 for _, d in G.nodes(data=True) if d["label"] == PAPER)
    with tempfile.TemporaryDirectory(prefix="kgbuild-import-", dir=home) as tmp:
        out = Path(tmp)
        nodes, rels, empties, rows = write_import_files(G, extractions, out)
        t = step("files", "stopping Neo4j", start)
        server.stop(home, instance)
        t = step("stop", "importing with neo4j-admin", t)
        try:
            done = server.neo4j_admin(home, instance, [
                "database", "import", "full", *admin_import_args(nodes, rels), f"--report-file={out / 'import.report'}",
                f"--max-off-heap-memory={OFF_HEAP}", "--overwrite-destination", settings.database])
            t = step("import", "starting Neo4j", t)
        finally:
            info = server.start(home, settings.password, instance=instance, port=info.port, heap=info.heap)
        t = step("start", "creating constraints and indexes", t)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout or "").strip().splitlines()[-5:])
            raise KgbuildError(f"neo4j-admin import failed (exit {done.returncode}); the database is unchanged:\n"
                               f"{tail}")
        reported = _IMPORT_DONE.search(done.stdout or "")
        if reported:
            times["neo4j_admin_reported"] = (60 * int(reported["m"] or 0) + int(reported["s"] or 0)
                                             + int(reported["ms"] or 0) / 1000)
    result.uri = info.uri
    driver = open_driver(settings.with_overrides(uri=info.uri))
    try:
        loading.ensure_schema(driver, settings.database)
        for label, items in empties.items():
            loading.set_properties(driver, settings.database, label, items)
        loading.mark_loaded(driver, settings.database, extraction_version, papers)
    finally:
        driver.close()
    step("schema", "done", t)
    result.nodes_written = G.number_of_nodes()
    result.papers_written = papers
    result.rows_written = rows
    result.seconds = time.perf_counter() - start
    return result
