"""The networkx graph into Neo4j: schema first, batched UNWIND writes, only what changed, safe to interrupt.

How a load stays correct when it is repeated, extended or killed half-way:

- Every node carries `kg_sig`, a hash of what the loader would write for it: a Paper's properties plus
  all its outgoing edges; an entity's (or Repository's) properties plus its outgoing CO_OCCURS edges.
  A load writes only nodes whose stored `kg_sig` differs from the graph's, so loading the same graph
  twice writes nothing, and a label change or abbreviation merge that moves edges of an unchanged paper
  is still written.
- A Paper is written in one transaction together with all its edges (old outgoing edges deleted, entity
  nodes merged, edges created, `kg_sig` set), a batch of papers per transaction. A killed load leaves
  complete papers and papers still carrying their old signature, which the next load redoes.
- Entity nodes, Repository nodes and CO_OCCURS are corpus-wide: they are written after the papers, in
  the same signature-checked way, then nodes no paper links to any more are deleted (the orphans).
- A state node `(:KgbuildLoad {key: "state"})` is the load journal: `dirty` is set before the first
  write and cleared after the last, so a re-run knows whether the previous load finished.
- Each Paper also stores its extraction (`kg_extraction`, zlib-compressed JSON of the ExtractedPaper)
  so that an incremental run can rebuild the corpus-wide graph without re-extracting unchanged papers.

Label and relationship-type names cannot be Cypher parameters; they come only from the fixed whitelists
of `kgbuild.graph`, never from input. Every value is a parameter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx
from neo4j import Driver, ManagedTransaction, NotificationMinimumSeverity, Record, Session

from kgbuild.errors import KgbuildError
from kgbuild.graph import ENTITY_NODE_LABELS, NODE_LABEL_ORDER, PAPER, REL_TYPES, REPOSITORY, SCHEMA_VERSION
from kgbuild.records import Entity, ExtractedPaper, Mention, Paper, Repository

STATE_LABEL = "KgbuildLoad"
STATE_KEY = "state"
SIG = "kg_sig"
EXTRACTION_BLOB = "kg_extraction"
DEFAULT_BATCH_SIZE = 5000

PAPER_REL_TYPES: tuple[str, ...] = tuple(t for t in REL_TYPES if t != "CO_OCCURS")
"""Relationships that start at a Paper and are written with it."""
NODE_REL_TYPES: tuple[str, ...] = ("CO_OCCURS",)
"""Relationships between non-Paper nodes, written with their start node."""
CORPUS_LABELS: tuple[str, ...] = (*ENTITY_NODE_LABELS, REPOSITORY)
"""Non-Paper node labels: shared across papers, with corpus-wide properties."""

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _label(name: str) -> str:
    """A label from the whitelist, safe to paste into Cypher."""
    if name not in NODE_LABEL_ORDER or not _NAME.match(name):
        raise KgbuildError(f"refusing to write unknown node label {name!r}")
    return name


def _rel(name: str) -> str:
    if name not in REL_TYPES or not _NAME.match(name):
        raise KgbuildError(f"refusing to write unknown relationship type {name!r}")
    return name


# --- schema ----------------------------------------------------------------------------------------

def schema_statements() -> list[str]:
    """Constraints and indexes, idempotent (IF NOT EXISTS), for Neo4j 5.x."""
    statements = [
        f"CREATE CONSTRAINT kg_{label.lower()}_key IF NOT EXISTS FOR (n:{_label(label)}) REQUIRE n.key IS UNIQUE"
        for label in NODE_LABEL_ORDER
    ]
    statements.append(
        f"CREATE CONSTRAINT kg_state_key IF NOT EXISTS FOR (n:{STATE_LABEL}) REQUIRE n.key IS UNIQUE"
    )
    statements += [
        f"CREATE INDEX kg_{label.lower()}_name IF NOT EXISTS FOR (n:{_label(label)}) ON (n.name)"
        for label in NODE_LABEL_ORDER
    ]
    statements += [
        "CREATE INDEX kg_paper_year IF NOT EXISTS FOR (n:Paper) ON (n.year)",
        "CREATE FULLTEXT INDEX kg_paper_text IF NOT EXISTS FOR (n:Paper) ON EACH [n.title, n.abstract]",
        f"CREATE FULLTEXT INDEX kg_entity_names IF NOT EXISTS FOR (n:{'|'.join(map(_label, CORPUS_LABELS))}) "
        "ON EACH [n.name, n.aliases]",
    ]
    return statements


def _session(driver: Driver, database: str) -> Session:
    """A session chained to the driver's bookmarks (causal consistency on clusters), without notifications:
    our statements are fixed, and warnings such as "unknown property" on an empty database are noise."""
    return driver.session(database=database, bookmark_manager=driver.execute_query_bookmark_manager,
                          notifications_min_severity=NotificationMinimumSeverity.OFF)


def _records(tx: ManagedTransaction, query: str, params: dict[str, Any]) -> list[Record]:
    return list(tx.run(query, params))


def _read(driver: Driver, database: str, query: str, **params: Any) -> list[Record]:
    with _session(driver, database) as session:
        return session.execute_read(_records, query, params)


def _write(driver: Driver, database: str, query: str, **params: Any) -> list[Record]:
    with _session(driver, database) as session:
        return session.execute_write(_records, query, params)


def ensure_schema(driver: Driver, database: str, wait_seconds: int = 300) -> None:
    """Create every constraint and index before any data, and wait until they are online."""
    with _session(driver, database) as session:
        for statement in schema_statements():
            session.run(statement).consume()
        session.run("CALL db.awaitIndexes($seconds)", seconds=wait_seconds).consume()


# --- what is stored --------------------------------------------------------------------------------


def load_state(driver: Driver, database: str) -> dict[str, Any] | None:
    """The load journal: None before the first load, else `dirty`, `extraction_version`, `schema_version`."""
    records = _read(driver, database, f"MATCH (s:{STATE_LABEL} {{key: $key}}) RETURN properties(s) AS s",
                    key=STATE_KEY)
    return dict(records[0]["s"]) if records else None


def _set_state(driver: Driver, database: str, **values: Any) -> None:
    _write(driver, database, f"MERGE (s:{STATE_LABEL} {{key: $key}}) SET s += $values", key=STATE_KEY,
           values=values)


def set_properties(driver: Driver, database: str, label: str, rows: list[dict[str, Any]], batch: int = 5000) -> None:
    """`SET n += row.props` on nodes of `label` by key: `rows` of {"key": ..., "props": {...}}."""
    for i in range(0, len(rows), batch):
        _write(driver, database, f"UNWIND $rows AS row MATCH (n:{_label(label)} {{key: row.key}}) SET n += row.props",
               rows=rows[i:i + batch])


def mark_loaded(driver: Driver, database: str, extraction_version: str, papers: int) -> None:
    """Close the load journal: the graph of `papers` papers is complete, made with `extraction_version`."""
    _set_state(driver, database, dirty=False, extraction_version=extraction_version,
               schema_version=SCHEMA_VERSION, papers=papers)


def paper_hashes(driver: Driver, database: str, keys: Iterable[str] | None = None,
                 chunk: int = 20000) -> dict[str, str | None]:
    """Stored `content_hash` by paper key: of the given keys (index lookups), or of every paper."""
    if keys is None:
        records = _read(driver, database, "MATCH (p:Paper) RETURN p.key AS key, p.content_hash AS hash")
        return {r["key"]: r["hash"] for r in records}
    keys = list(keys)
    out: dict[str, str | None] = {}
    for i in range(0, len(keys), chunk):
        records = _read(
            driver, database,
            "UNWIND $keys AS key MATCH (p:Paper {key: key}) RETURN p.key AS key, p.content_hash AS hash",
            keys=keys[i:i + chunk],
        )
        out.update({r["key"]: r["hash"] for r in records})
    return out


def stored_signatures(driver: Driver, database: str, labels: Iterable[str]) -> dict[str, dict[str, str | None]]:
    """`kg_sig` by key, for every node of each label."""
    out: dict[str, dict[str, str | None]] = {}
    for label in labels:
        records = _read(driver, database, f"MATCH (n:{_label(label)}) RETURN n.key AS key, n.{SIG} AS sig")
        out[label] = {r["key"]: r["sig"] for r in records}
    return out


def stored_extractions(driver: Driver, database: str, keys: Iterable[str] | None = None,
                       chunk: int = 2000) -> Iterator[tuple[str, bytes | None]]:
    """(paper key, stored extraction blob or None), for the given papers or all of them."""
    if keys is None:
        keys = [r["key"] for r in _read(driver, database, "MATCH (p:Paper) RETURN p.key AS key")]
    keys = list(keys)
    for i in range(0, len(keys), chunk):
        records = _read(
            driver, database,
            f"UNWIND $keys AS key MATCH (p:Paper {{key: key}}) RETURN p.key AS key, p.{EXTRACTION_BLOB} AS blob",
            keys=keys[i:i + chunk],
        )
        for r in records:
            yield r["key"], r["blob"]


def graph_counts(driver: Driver, database: str) -> tuple[dict[str, int], dict[str, int]]:
    """Nodes by label and relationships by type as Neo4j counts them (count store: constant time)."""
    nodes = {
        label: _read(driver, database, f"MATCH (n:{_label(label)}) RETURN count(n) AS n")[0]["n"]
        for label in NODE_LABEL_ORDER
    }
    rels = {
        rel: _read(driver, database, f"MATCH ()-[r:{_rel(rel)}]->() RETURN count(r) AS n")[0]["n"]
        for rel in REL_TYPES
    }
    return {k: v for k, v in nodes.items() if v}, {k: v for k, v in rels.items() if v}


def clear_graph(driver: Driver, database: str, batch: int = 10000) -> None:
    """Delete every node kgbuild writes (and the load journal), in batches; other data is left alone."""
    labels = " OR ".join(f"n:{_label(label)}" for label in NODE_LABEL_ORDER)
    with _session(driver, database) as session:
        session.run(
            f"MATCH (n) WHERE {labels} OR n:{STATE_LABEL} "
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF $batch ROWS",
            batch=batch,
        ).consume()


# --- extraction blobs ------------------------------------------------------------------------------

def encode_extraction(ep: ExtractedPaper) -> bytes:
    """An ExtractedPaper as compact bytes (deterministic: the same paper gives the same bytes)."""
    text = json.dumps(asdict(ep), ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode(), 6)


def decode_extraction(blob: bytes | str) -> ExtractedPaper | None:
    """The ExtractedPaper of `encode_extraction`, or None when the blob is unreadable (re-extract it).

    A string is the same bytes in base64, as `kgbuild ingest --bulk` stores them (CSV holds no bytes).
    """
    try:
        if isinstance(blob, str):
            blob = base64.b64decode(blob, validate=True)
        d = json.loads(zlib.decompress(blob))
        entities = tuple(
            Entity(**{**e, "aliases": tuple(e["aliases"]), "mentions": tuple(Mention(**m) for m in e["mentions"])})
            for e in d["entities"]
        )
        return ExtractedPaper(
            paper=Paper(**d["paper"]),
            entities=entities,
            repositories=tuple(Repository(**r) for r in d["repositories"]),
            urls=tuple(d["urls"]),
            extraction_version=d["extraction_version"],
        )
    except (zlib.error, ValueError, KeyError, TypeError):
        return None


# --- plan: what the graph says each node should be -------------------------------------------------

def _sig(value: Any) -> str:
    return hashlib.blake2b(
        json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(), digest_size=16
    ).hexdigest()


def _props(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and k != "label"}


@dataclass
class NodeWrite:
    """One node with the outgoing edges written together with it (in the same transaction)."""

    label: str
    key: str
    props: dict[str, Any]
    edges: list[tuple[str, str, str, dict[str, Any]]]  # (type, end label, end key, props)
    sig: str = ""
    stored: bool = True  # the node may exist already, with old edges to delete first

    @property
    def rows(self) -> int:
        return 1 + len(self.edges)


def plan_nodes(G: nx.MultiDiGraph) -> dict[str, list[NodeWrite]]:
    """Every node of `G` grouped by label, with its outgoing edges and its signature."""
    out: dict[str, list[NodeWrite]] = defaultdict(list)
    nodes = G.nodes
    for nid, data in G.nodes(data=True):
        label = _label(data["label"])
        edges = sorted(
            ((rel, nodes[v]["label"], nodes[v]["key"], _props(d)) for _, v, rel, d in G.out_edges(nid, keys=True,
                                                                                                   data=True)),
            key=lambda e: (e[0], e[1], e[2]),
        )
        props = _props(data)
        w = NodeWrite(label, data["key"], props, edges)
        w.sig = _sig([props, edges])
        out[label].append(w)
    for writes in out.values():
        writes.sort(key=lambda w: w.key)
    return dict(out)


# --- writes ----------------------------------------------------------------------------------------

def _write_batch(tx: ManagedTransaction, label: str, batch: list[NodeWrite], rel_types: tuple[str, ...],
                 blobs: Mapping[str, bytes] | None) -> None:
    """Replace the nodes of `batch` and all their outgoing edges of `rel_types`: one atomic transaction."""
    label = _label(label)
    keys = [w.key for w in batch if w.stored]
    if keys:
        tx.run(
            f"UNWIND $keys AS key MATCH (n:{label} {{key: key}})-[r]->() WHERE type(r) IN $types DELETE r",
            keys=keys, types=list(rel_types),
        ).consume()
    rows = []
    for w in batch:
        props = {**w.props, SIG: w.sig}
        if blobs is not None and w.key in blobs:
            props[EXTRACTION_BLOB] = blobs[w.key]
        rows.append({"key": w.key, "props": props})
    tx.run(f"UNWIND $rows AS row MERGE (n:{label} {{key: row.key}}) SET n = row.props", rows=rows).consume()
    targets: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for w in batch:
        for rel, end_label, end_key, props in w.edges:
            targets[end_label].add(end_key)
            edges[(rel, end_label)].append({"start": w.key, "end": end_key, "props": props})
    for end_label in sorted(targets):
        tx.run(f"UNWIND $keys AS key MERGE (:{_label(end_label)} {{key: key}})",
               keys=sorted(targets[end_label])).consume()
    for (rel, end_label), erows in sorted(edges.items()):
        tx.run(
            f"UNWIND $rows AS row MATCH (a:{label} {{key: row.start}}) MATCH (b:{_label(end_label)} {{key: row.end}}) "
            f"CREATE (a)-[r:{_rel(rel)}]->(b) SET r = row.props",
            rows=erows,
        ).consume()


def _batches(writes: list[NodeWrite], batch_size: int) -> Iterator[list[NodeWrite]]:
    """Whole nodes (with their edges) per batch, about `batch_size` rows each."""
    batch: list[NodeWrite] = []
    rows = 0
    for w in writes:
        if batch and rows + w.rows > batch_size:
            yield batch
            batch, rows = [], 0
        batch.append(w)
        rows += w.rows
    if batch:
        yield batch


ProgressHook = Callable[[str, int, int], None]
"""Called after each committed batch with (phase, nodes in the batch, rows in the batch)."""


@dataclass
class LoadResult:
    """What a load wrote, and which nodes it removed and why."""

    papers_written: int = 0
    nodes_written: int = 0
    rows_written: int = 0
    batches: int = 0
    orphans_removed: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows_written / self.seconds if self.seconds > 0 else 0.0


def write_nodes(driver: Driver, database: str, label: str, writes: list[NodeWrite], rel_types: tuple[str, ...],
                batch_size: int, blobs: Mapping[str, bytes] | None = None,
                on_batch: ProgressHook | None = None, phase: str = "") -> tuple[int, int, int]:
    """Write `writes` in batched managed transactions (retried on transient errors); (nodes, rows, batches)."""
    nodes = rows = batches = 0
    with _session(driver, database) as session:
        for batch in _batches(writes, batch_size):
            session.execute_write(_write_batch, label, batch, rel_types, blobs)
            n, r = len(batch), sum(w.rows for w in batch)
            nodes, rows, batches = nodes + n, rows + r, batches + 1
            if on_batch:
                on_batch(phase or label, n, r)
    return nodes, rows, batches


def remove_orphans(driver: Driver, database: str, stored: Mapping[str, Mapping[str, Any]],
                   plan: Mapping[str, list[NodeWrite]], batch_size: int = 5000) -> list[dict[str, str]]:
    """Delete corpus nodes (entities, repositories) that are in Neo4j but not in the graph any more.

    They have no edge from any paper left: re-extraction dropped their last mention, or the graph merged
    them into another node (a label decided by more papers, an abbreviation joined to its long form).
    """
    removed: list[dict[str, str]] = []
    for label in CORPUS_LABELS:
        wanted = {w.key for w in plan.get(label, [])}
        gone = sorted(k for k in stored.get(label, {}) if k not in wanted)
        for i in range(0, len(gone), batch_size):
            chunk = gone[i:i + batch_size]
            records = _write(
                driver, database,
                f"UNWIND $keys AS key MATCH (n:{_label(label)} {{key: key}}) "
                "WITH n, n.key AS key, n.name AS name, COUNT { (:Paper)-->(n) } AS papers "
                "WHERE papers = 0 DETACH DELETE n RETURN key, name",
                keys=chunk,
            )
            removed += [{"label": label, "key": r["key"], "name": r["name"] or r["key"]} for r in records]
    return removed


def load_graph(
    driver: Driver,
    database: str,
    G: nx.MultiDiGraph,
    extractions: Mapping[str, bytes] | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: ProgressHook | None = None,
    on_plan: Callable[[str, int], None] | None = None,
    extraction_version: str = "",
) -> LoadResult:
    """Make the kgbuild part of the database equal to `G`, writing only what differs.

    `G` must describe the whole corpus in the database (entity counts and CO_OCCURS are corpus-wide).
    `extractions` maps paper keys to `encode_extraction` blobs, stored on each written Paper so that a
    later incremental run can rebuild the graph without re-extracting. Schema must exist
    (`ensure_schema`). Interrupted loads are completed by calling this again with the same graph.
    """
    if batch_size < 1:
        raise KgbuildError("batch size must be at least 1")
    start = time.perf_counter()
    result = LoadResult()
    plan = plan_nodes(G)
    stored = stored_signatures(driver, database, NODE_LABEL_ORDER)
    todo = {label: [w for w in plan.get(label, []) if stored[label].get(w.key) != w.sig] for label in plan}
    for label, writes in todo.items():
        for w in writes:
            w.stored = w.key in stored[label]
    if on_plan:
        on_plan("papers", len(todo.get(PAPER, [])))
        on_plan("entities", sum(len(todo.get(label, [])) for label in CORPUS_LABELS))
    _set_state(driver, database, dirty=True)
    for label in NODE_LABEL_ORDER:
        paper = label == PAPER
        n, r, b = write_nodes(driver, database, label, todo.get(label, []),
                              PAPER_REL_TYPES if paper else NODE_REL_TYPES, batch_size,
                              extractions if paper else None, on_batch, "papers" if paper else "entities")
        result.papers_written += n if paper else 0
        result.nodes_written += n
        result.rows_written += r
        result.batches += b
    result.orphans_removed = remove_orphans(driver, database, stored, plan)
    mark_loaded(driver, database, extraction_version, len(plan.get(PAPER, [])))
    result.seconds = time.perf_counter() - start
    return result
