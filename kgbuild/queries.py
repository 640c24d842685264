"""Saved Cypher questions: `cypher/*.cypher` templates with a documented header, typed parameters, read-only runs.

A template is one `.cypher` file whose leading `//` comment lines form its header:

    // name: papers-mentioning
    // description: Papers that mention an entity, found by its name or any alias (any case).
    // param: entity (str) example: "ImageNet" -- the entity's name or one of its aliases
    // param: limit (int) default: 25 example: 10 -- at most this many papers

- `name` (letters, digits, `-`) and a one-line `description` are required; other comment lines are notes.
- `param: NAME (TYPE) [default: VALUE] [example: VALUE] [-- help]`, one line per parameter. TYPE is one of
  str, int, float, bool, list[str], list[int], list[float]. VALUEs are JSON literals ("text", 3, 0.5, true,
  null, ["a", "b"]). A parameter without a default is required; every parameter has an example, which is
  what `kgbuild query run NAME` documentation, the Browser guide and the tests use.
- Every `$name` in the query is a declared parameter and every declared parameter is used: values only
  ever reach Neo4j as Cypher parameters, never pasted into the text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
from neo4j import READ_ACCESS, Driver
from neo4j.exceptions import ClientError, DriverError, Neo4jError
from neo4j.graph import Node, Relationship
from neo4j.graph import Path as GraphPath
from neo4j.time import Date, DateTime, Duration, Time

from kgbuild.errors import QueryError, ServerError


def _template_dir() -> Path:
    """`cypher/` of the checkout (editable install), else the copy a wheel installs under `share/kgbuild/`."""
    checkout = Path(__file__).resolve().parent.parent / "cypher"
    installed = Path(sys.prefix) / "share" / "kgbuild" / "cypher"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


TEMPLATE_DIR = _template_dir()
FORMATS: tuple[str, ...] = ("table", "json", "csv")
TYPES: tuple[str, ...] = ("str", "int", "float", "bool", "list[str]", "list[int]", "list[float]")

_FIELD = re.compile(r"^//\s*(?P<key>[a-z]+)\s*:\s*(?P<value>.*?)\s*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s*\(\s*(?P<type>[a-z]+(?:\[[a-z]+\])?)\s*\)\s*(?P<rest>.*)$")
_OPTION = re.compile(r"^(?P<key>default|example)\s*:\s*")
_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off"})
_HIDDEN_PROPERTIES = frozenset({"kg_extraction", "kg_sig"})
_STRING_OR_COMMENT = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`|//[^\n]*|/\*.*?\*/", re.DOTALL)
_CYPHER_PARAM = re.compile(r"\$(?:([A-Za-z_]\w*)|`([^`]+)`)")


@dataclass(frozen=True)
class Param:
    """One typed template parameter, as its header line declares it."""

    name: str
    type: str
    default: Any = None
    example: Any = None
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class Template:
    """A saved question: its header fields, the Cypher text and the file it came from."""

    name: str
    description: str
    params: tuple[Param, ...]
    cypher: str
    path: Path
    notes: tuple[str, ...] = field(default=())

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def example_params(self) -> dict[str, Any]:
        """The header's example value of every parameter: a run that should return something."""
        return {p.name: p.example for p in self.params}

    @property
    def text(self) -> str:
        """The file as written: header and query."""
        return self.path.read_text(encoding="utf-8")


# --- parsing -----------------------------------------------------------------------------------------

def _literal(text: str, where: str) -> tuple[Any, str]:
    """A JSON literal at the start of `text`, and what follows it."""
    try:
        value, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError:
        raise QueryError(f"{where}: expected a JSON value (\"text\", 3, 0.5, true, null, [...]) at {text!r}") from None
    return value, text[end:].lstrip()


def _check_value(value: Any, type_: str, where: str) -> Any:
    """`value` (a JSON literal from a header) if it fits `type_`; null is allowed for defaults."""
    if value is None:
        return None
    base, is_list = (type_[5:-1], True) if type_.startswith("list[") else (type_, False)
    items = value if is_list else [value]
    if is_list and not isinstance(value, list):
        raise QueryError(f"{where}: {value!r} is not a {type_}")
    for item in items:
        ok = {
            "str": isinstance(item, str),
            "int": isinstance(item, int) and not isinstance(item, bool),
            "float": isinstance(item, int | float) and not isinstance(item, bool),
            "bool": isinstance(item, bool),
        }[base]
        if not ok:
            raise QueryError(f"{where}: {item!r} is not a {base}")
    if base == "float":
        return [float(v) for v in items] if is_list else float(value)
    return value


def _parse_param(text: str, where: str) -> Param:
    match = _PARAM.match(text)
    if not match:
        raise QueryError(f"{where}: expected `param: NAME (TYPE) [default: V] [example: V] [-- help]`, got {text!r}")
    name, type_, rest = match.group("name"), match.group("type"), match.group("rest")
    if type_ not in TYPES:
        raise QueryError(f"{where}: parameter {name!r} has unknown type {type_!r}; use one of {', '.join(TYPES)}")
    where = f"{where}: parameter {name!r}"
    values: dict[str, Any] = {}
    help_text = ""
    while rest:
        option = _OPTION.match(rest)
        if option:
            values[option.group("key")], rest = _literal(rest[option.end():], where)
        elif rest.startswith("--"):
            help_text, rest = rest[2:].strip(), ""
        else:
            raise QueryError(f"{where}: unexpected {rest!r} (expected default:, example: or -- help)")
    required = "default" not in values
    default = _check_value(values.get("default"), type_, f"{where} default")
    if "example" not in values:
        raise QueryError(f"{where} has no example value")
    example = _check_value(values["example"], type_, f"{where} example")
    return Param(name, type_, default, example, required, help_text)


def _used_params(cypher: str) -> set[str]:
    """`$names` in the query text, ignoring strings and comments."""
    code = _STRING_OR_COMMENT.sub(" ", cypher)
    return {a or b for a, b in _CYPHER_PARAM.findall(code)}


def parse_template(path: Path) -> Template:
    """Read one `.cypher` file; a malformed header raises QueryError naming the file and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise QueryError(f"cannot read template {path}: {error.strerror or error}") from None
    lines = text.splitlines()
    header: list[str] = []
    for line in lines:
        if not line.strip().startswith("//"):
            break
        header.append(line.strip())
    cypher = "\n".join(lines[len(header):]).strip()
    fields: dict[str, str] = {}
    params: list[Param] = []
    notes: list[str] = []
    for line in header:
        match = _FIELD.match(line)
        key = match.group("key") if match else ""
        if key == "param":
            params.append(_parse_param(match.group("value"), str(path)))
        elif key in ("name", "description"):
            fields[key] = match.group("value")
        else:
            notes.append(line[2:].strip())
    name, description = fields.get("name", ""), fields.get("description", "")
    if not _NAME.match(name):
        raise QueryError(f"{path}: header needs `// name: lower-case-name` (letters, digits, -), got {name!r}")
    if not description:
        raise QueryError(f"{path}: header needs a one-line `// description: ...`")
    if not cypher:
        raise QueryError(f"{path}: no Cypher after the header")
    declared = [p.name for p in params]
    if len(set(declared)) != len(declared):
        raise QueryError(f"{path}: a parameter is declared twice")
    used = _used_params(cypher)
    if used - set(declared):
        raise QueryError(f"{path}: the query uses undeclared parameters: {', '.join(sorted(used - set(declared)))}")
    if set(declared) - used:
        raise QueryError(f"{path}: declared parameters are not used: {', '.join(sorted(set(declared) - used))}")
    return Template(name, description, tuple(params), cypher, path, tuple(n for n in notes if n))


def list_templates(directory: Path | None = None) -> list[Template]:
    """Every template in `directory` (default: the repository's `cypher/`), sorted by name."""
    directory = Path(directory) if directory else TEMPLATE_DIR
    if not directory.is_dir():
        raise QueryError(f"no template directory {directory}")
    templates = [parse_template(path) for path in sorted(directory.glob("*.cypher"))]
    seen: dict[str, Path] = {}
    for t in templates:
        if t.name in seen:
            raise QueryError(f"template name {t.name!r} is used by both {seen[t.name]} and {t.path}")
        seen[t.name] = t.path
    return sorted(templates, key=lambda t: t.name)


def get_template(name: str, directory: Path | None = None) -> Template:
    """The template called `name` (or whose file is `name.cypher`)."""
    for template in list_templates(directory):
        if name in (template.name, template.path.stem):
            return template
    raise QueryError(f"unknown template {name!r}; try `kgbuild query list`")


# --- typed parameters ----------------------------------------------------------------------------------

def _convert(raw: str, base: str) -> Any:
    if base == "str":
        return raw
    if base == "int":
        return int(raw.strip().replace("_", ""), 10)
    if base == "float":
        value = float(raw.strip())
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(raw)
        return value
    low = raw.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(raw)


def parse_value(param: Param, raw: str) -> Any:
    """A command-line string as the parameter's type. Lists: a JSON array or comma-separated items."""
    base, is_list = (param.type[5:-1], True) if param.type.startswith("list[") else (param.type, False)
    if not is_list:
        return _convert(raw, base)
    text = raw.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(raw) from None
        if not isinstance(items, list):
            raise ValueError(raw)
        return [_convert(item if isinstance(item, str) else json.dumps(item), base) for item in items]
    return [_convert(item.strip(), base) for item in text.split(",") if item.strip()]


def parse_params(template: Template, raw: Mapping[str, str]) -> dict[str, Any]:
    """Command-line `key=value` strings to typed values; header defaults fill the rest.

    Raises QueryError (one line) for an unknown name, a value of the wrong type or a missing required one.
    """
    known = {p.name: p for p in template.params}
    for key in raw:
        if key not in known:
            takes = ", ".join(known) or "no parameters"
            raise QueryError(f"template {template.name!r} has no parameter {key!r} (it takes: {takes})")
    values: dict[str, Any] = {}
    for p in template.params:
        if p.name in raw:
            try:
                values[p.name] = parse_value(p, raw[p.name])
            except ValueError:
                raise QueryError(
                    f"parameter {p.name!r} of template {template.name!r} must be {_a(p.type)}, got {raw[p.name]!r}"
                ) from None
        elif p.required:
            raise QueryError(
                f"template {template.name!r} needs --param {p.name}=... ({p.type}, for example "
                f"{_show(p.example)})"
            )
        else:
            values[p.name] = p.default
    return values


def parse_assignments(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`["key=value", ...]` from repeated --param options; a pair without `=` is a QueryError."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param expects key=value, got {pair!r}")
        out[key.strip()] = value
    return out


def _a(type_: str) -> str:
    if type_.startswith("list["):
        return f"a list of {type_[5:-1]} (comma-separated or a JSON array)"
    return {"int": "an integer", "float": "a number", "bool": "true or false", "str": "text"}[type_]


def _show(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value).lower() if isinstance(
        value, bool) else str(value)


# --- running ---------------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    """Driver values to JSON-friendly Python: nodes and relationships as property maps, paths as text."""
    if isinstance(value, Node):
        props = {k: _plain(v) for k, v in value.items() if k not in _HIDDEN_PROPERTIES}
        return {"labels": sorted(value.labels), **props}
    if isinstance(value, Relationship):
        return {"type": value.type, **{k: _plain(v) for k, v in value.items()}}
    if isinstance(value, GraphPath):
        return describe_path(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in _HIDDEN_PROPERTIES}
    if isinstance(value, Date | DateTime | Time):
        return value.iso_format()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    return value


def _node_text(node: Node) -> str:
    label = next(iter(sorted(node.labels)), "")
    return f"({label} {node.get('name', node.get('key', node.element_id))})"


def describe_path(path: GraphPath) -> str:
    """A path as one line: `(Method X)-[:MENTIONS]-(Paper Y)-...`, arrows where the direction is known."""
    parts = [_node_text(path.start_node)]
    current = path.start_node
    for rel in path.relationships:
        forward = rel.start_node is not None and rel.start_node.element_id == current.element_id
        nxt = rel.end_node if forward else rel.start_node
        parts.append(f"-[:{rel.type}]->" if forward else f"<-[:{rel.type}]-")
        parts.append(_node_text(nxt))
        current = nxt
    return "".join(parts)


def run_template(driver: Driver, template: Template, params: Mapping[str, Any],
                 database: str = "neo4j") -> tuple[list[str], list[dict[str, Any]]]:
    """Run a template in a read-only transaction with `params` as Cypher parameters: (columns, rows).

    Read access mode means a template (or a value smuggled into one) cannot change the database.
    """
    missing = [p.name for p in template.params if p.name not in params]
    if missing:
        raise QueryError(f"template {template.name!r} is missing parameters: {', '.join(missing)}")

    def work(tx: Any) -> tuple[list[str], list[dict[str, Any]]]:
        result = tx.run(template.cypher, dict(params))
        keys = list(result.keys())
        return keys, [{k: _plain(record[k]) for k in keys} for record in result]

    try:
        with driver.session(database=database, default_access_mode=READ_ACCESS,
                            notifications_min_severity="OFF") as session:
            return session.execute_read(work)
    except ClientError as error:
        raise QueryError(f"template {template.name!r} failed: {error.message or error.code}") from None
    except (Neo4jError, DriverError, OSError) as error:
        raise ServerError(f"Neo4j failed while running template {template.name!r}: {error}") from None


# --- output ----------------------------------------------------------------------------------------------

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def render_rows(columns: list[str], rows: list[dict[str, Any]], fmt: str = "table", width: int | None = None) -> str:
    """Rows as a readable table (rich), JSON (a list of objects) or CSV (lists joined with `; `)."""
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False, default=str)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return out.getvalue()
    if fmt != "table":
        raise QueryError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, show_lines=False, caption=f"{len(rows)} row{'s' if len(rows) != 1 else ''}")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console = Console(file=io.StringIO(), width=width or 160, force_terminal=False, color_system=None)
    console.print(table)
    return console.file.getvalue()


def describe_template(template: Template) -> str:
    """What `kgbuild query show NAME` prints: description, parameters with types, defaults, examples, Cypher."""
    lines = [f"{template.name}: {template.description}", f"file: {template.path}", ""]
    if template.params:
        lines.append("parameters:")
        for p in template.params:
            default = "required" if p.required else f"default {json.dumps(p.default)}"
            help_text = f"  {p.help}" if p.help else ""
            lines.append(f"  {p.name} ({p.type}, {default}, example {json.dumps(p.example)}){help_text}")
        example = " ".join(f"--param {p.name}={shlex.quote(_show(p.example))}" for p in template.params)
        lines += ["", f"example: kgbuild query run {template.name} {example}"]
    else:
        lines.append("parameters: none")
        lines += ["", f"example: kgbuild query run {template.name}"]
    lines += ["", template.cypher]
    return "\n".join(lines)


def read_topology(driver: Driver, database: str) -> nx.MultiDiGraph:
    """The loaded graph's nodes (label, key, name) and relationships, without their heavier properties."""
    from kgbuild.graph import NODE_LABEL_ORDER, REL_TYPES

    graph = nx.MultiDiGraph()
    with driver.session(database=database, default_access_mode=READ_ACCESS) as session:
        nodes = session.run(
            "MATCH (n) WITH n, [l IN labels(n) WHERE l IN $labels] AS known WHERE size(known) > 0 "
            "RETURN elementId(n) AS id, known[0] AS label, n.key AS key, n.name AS name",
            labels=list(NODE_LABEL_ORDER),
        )
        for row in nodes:
            graph.add_node(row["id"], label=row["label"], key=row["key"], name=row["name"] or row["key"])
        edges = session.run(
            "MATCH (a)-[r]->(b) WHERE type(r) IN $types RETURN elementId(a) AS a, elementId(b) AS b, type(r) AS t",
            types=list(REL_TYPES),
        )
        for row in edges:
            if row["a"] in graph and row["b"] in graph:
                graph.add_edge(row["a"], row["b"], key=row["t"])
    return graph


def neo4j_stats(driver: Driver, database: str, top: int = 10) -> dict[str, Any]:
    """`kgbuild stats` against Neo4j: the same figures as for files, computed by networkx on what is loaded."""
    from kgbuild.graph import graph_stats

    return graph_stats(read_topology(driver, database), top=top)
