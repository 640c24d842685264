"""Whole-graph dumps of Neo4j and of a networkx graph, for comparing loads exactly."""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx
from neo4j import Driver

from kgbuild.graph import NODE_LABEL_ORDER
from kgbuild.loading import EXTRACTION_BLOB, SIG

BOOKKEEPING = (SIG, EXTRACTION_BLOB)


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _frozen(props: dict[str, Any], keep_bookkeeping: bool) -> tuple:
    return tuple(sorted((k, _freeze(v)) for k, v in props.items() if keep_bookkeeping or k not in BOOKKEEPING))


def dump_neo4j(driver: Driver, database: str, bookkeeping: bool = True) -> dict[str, Counter]:
    """Every kgbuild node (labels + properties) and relationship (type, endpoints, properties), as multisets."""
    labels = list(NODE_LABEL_ORDER)
    nodes, _, _ = driver.execute_query(
        "MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) RETURN labels(n) AS labels, properties(n) AS p",
        labels=labels, database_=database,
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) WHERE any(l IN labels(a) WHERE l IN $labels) "
        "RETURN labels(a) AS al, a.key AS ak, type(r) AS t, labels(b) AS bl, b.key AS bk, properties(r) AS p",
        labels=labels, database_=database,
    )
    return {
        "nodes": Counter((tuple(sorted(r["labels"])), _frozen(r["p"], bookkeeping)) for r in nodes),
        "edges": Counter(
            (r["t"], tuple(r["al"]), r["ak"], tuple(r["bl"]), r["bk"], _frozen(r["p"], bookkeeping)) for r in rels
        ),
    }


def dump_graph(G: nx.MultiDiGraph) -> dict[str, Counter]:
    """The same shape as `dump_neo4j(..., bookkeeping=False)`, from the networkx graph."""
    def props(d: dict[str, Any]) -> tuple:
        return _frozen({k: v for k, v in d.items() if v is not None and k != "label"}, False)

    nodes = Counter(((d["label"],), props(d)) for _, d in G.nodes(data=True))
    edges = Counter(
        (k, (G.nodes[u]["label"],), G.nodes[u]["key"], (G.nodes[v]["label"],), G.nodes[v]["key"], props(d))
        for u, v, k, d in G.edges(keys=True, data=True)
    )
    return {"nodes": nodes, "edges": edges}


def diff(a: dict[str, Counter], b: dict[str, Counter], limit: int = 5) -> str:
    """A short description of how two dumps differ ("" when equal)."""
    out = []
    for part in ("nodes", "edges"):
        only_a, only_b = a[part] - b[part], b[part] - a[part]
        if only_a or only_b:
            out.append(f"{part}: {sum(only_a.values())} only in first, {sum(only_b.values())} only in second; "
                       f"e.g. {list(only_a)[:limit]} / {list(only_b)[:limit]}")
    return "\n".join(out)
