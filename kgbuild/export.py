"""The networkx graph to files: GraphML (Gephi, Cytoscape), node-link JSON, and neo4j-admin import CSV.

All three are written from the same graph `kgbuild.graph.build_graph` returns, so they agree with each
other and with what the loader writes into Neo4j.
"""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path
from typing import Any

import networkx as nx

from kgbuild.errors import KgbuildError
from kgbuild.graph import edge_rows, node_rows

FORMATS: tuple[str, ...] = ("graphml", "json", "csv")
ARRAY_DELIMITER = "\x1f"
"""Between list elements in a CSV cell: the ASCII unit separator, which no abstract contains."""
ARGS_FILE = "neo4j-admin-import.args"


def export_graph(G: nx.MultiDiGraph, fmt: str, out: Path) -> list[Path]:
    """Write `G` as `fmt` to `out` (a file, or for csv a directory) and return the files written."""
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise KgbuildError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}")
    out = Path(out)
    try:
        if fmt == "csv":
            return write_admin_csv(G, out)
        if out.is_dir():
            raise KgbuildError(f"{out} is a directory: give a file name for the {fmt} export")
        out.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "graphml":
            nx.write_graphml(graphml_graph(G), out)
        else:
            with out.open("w", encoding="utf-8") as f:
                json.dump(nx.node_link_data(G, edges="edges"), f, ensure_ascii=False)
    except OSError as exc:
        raise KgbuildError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return [out]


# --- GraphML ---------------------------------------------------------------------------------------

def _flat(value: Any) -> Any:
    """GraphML holds only scalars: a list becomes its JSON text."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | tuple) else value


def graphml_graph(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of `G` that GraphML readers display well: scalar typed attributes only, no None.

    Gephi shows the attribute `label` as the caption, so there `label` holds the node's `name` (an edge's
    relationship type) and the node label moves to `node_label`. Lists are JSON text. Edge ids must be
    unique for Gephi, so edges are keyed `e0`, `e1`, ... with the type in `label`.
    """
    H = nx.MultiDiGraph(**{k: v for k, v in G.graph.items() if isinstance(v, str | int | float | bool)})
    for n, data in G.nodes(data=True):
        attrs = {k: _flat(v) for k, v in data.items() if v is not None}
        attrs["node_label"], attrs["label"] = data["label"], data["name"]
        H.add_node(n, **attrs)
    for i, (u, v, k, data) in enumerate(G.edges(keys=True, data=True)):
        H.add_edge(u, v, key=f"e{i}", **{a: _flat(x) for a, x in data.items() if x is not None}, label=k)
    return H


# --- neo4j-admin import CSV ------------------------------------------------------------------------

def _column_type(values: list[Any]) -> str:
    """The neo4j-admin header type that stores these Python values as the driver would."""
    kinds: set[str] = set()
    for v in values:
        if isinstance(v, list | tuple):
            kinds.add(_column_type(list(v)).removesuffix("[]") + "[]" if v else "string[]")
        elif isinstance(v, bool):
            kinds.add("boolean")
        elif isinstance(v, int):
            kinds.add("long")
        elif isinstance(v, float):
            kinds.add("double")
        else:
            kinds.add("string")
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {"long", "double"}:
        return "double"
    if kinds <= {"long[]", "double[]"}:
        return "double[]"
    return "string[]" if all(k.endswith("[]") for k in kinds) else "string"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ARRAY_DELIMITER.join(_cell(x).replace(ARRAY_DELIMITER, " ") for x in value)
    return str(value)


def write_table(path: Path, id_headers: list[str], ids: list[list[str]], rows: list[dict[str, Any]],
                 trailer: tuple[str, str]) -> None:
    """One CSV file with a typed header: the id columns, one column per property, then :LABEL or :TYPE."""
    props: dict[str, list[Any]] = {}
    for row in rows:
        for k, v in row.items():
            props.setdefault(k, []).append(v)
    columns = sorted(props, key=lambda k: (k != "name", k))
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*id_headers, *(f"{k}:{_column_type(props[k])}" for k in columns), trailer[0]])
        for id_values, row in zip(ids, rows, strict=True):
            writer.writerow([*id_values, *(_cell(row.get(k)) for k in columns), trailer[1]])


def write_admin_csv(G: nx.MultiDiGraph, out_dir: Path) -> list[Path]:
    """CSV files in the `neo4j-admin database import full` header format, one per label and per
    (relationship type, start label, end label), plus an argument file listing them.

    Ids use one id space per label (`key:ID(Model)`), so `key` is stored as a property exactly as a
    normal load stores it. Lists are `type[]` cells split by U+001F.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise KgbuildError(f"{out_dir} is a file: the csv export needs a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [*out_dir.glob("nodes_*.csv"), *out_dir.glob("rels_*.csv")]:
        old.unlink()
    nodes: list[Path] = []
    for label, rows in node_rows(G).items():
        path = out_dir / f"nodes_{label}.csv"
        write_table(path, [f"key:ID({label})"], [[r["key"]] for r in rows],
                     [{k: v for k, v in r.items() if k != "key"} for r in rows], (":LABEL", label))
        nodes.append(path)
    rels: list[Path] = []
    for (rel, start, end), rows in edge_rows(G).items():
        path = out_dir / f"rels_{rel}_{start}_{end}.csv"
        write_table(path, [f":START_ID({start})", f":END_ID({end})"], [[r["start"], r["end"]] for r in rows],
                     [r["props"] for r in rows], (":TYPE", rel))
        rels.append(path)
    args = out_dir / ARGS_FILE
    options = [*admin_import_args(nodes, rels), f"--report-file={(out_dir / 'import.report').resolve()}"]
    args.write_text("\n".join(shlex.quote(a) for a in options) + "\n", encoding="utf-8")
    return [*nodes, *rels, args]


def admin_import_args(nodes: list[Path], rels: list[Path]) -> list[str]:
    """Options for `neo4j-admin database import full DATABASE ...` that read these files as written."""
    return [
        *(f"--nodes={p.resolve()}" for p in nodes),
        *(f"--relationships={p.resolve()}" for p in rels),
        "--array-delimiter=U+001F",
        "--multiline-fields=true",
    ]


def admin_import_args_from(out_dir: Path) -> list[str]:
    """The import options saved beside a csv export by `write_admin_csv`."""
    path = Path(out_dir) / ARGS_FILE
    if not path.is_file():
        raise KgbuildError(f"{out_dir} holds no csv export from kgbuild (no {ARGS_FILE})")
    return shlex.split(path.read_text(encoding="utf-8"))
