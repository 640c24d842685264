"""`kgbuild report`: one self-contained HTML page about the graph in Neo4j, for people who would rather look.

The page holds the counts, the top entities of each type as bar charts, an interactive drawing of the
most connected part of the graph (neo4j-viz: Neo4j's own visualisation library, whose JavaScript and CSS
it inlines) and one paper's abstract with its entities highlighted (spaCy's displaCy). Nothing is fetched
from the network when the page is opened: it can be mailed, archived or opened offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment
from neo4j import READ_ACCESS, Driver

from kgbuild import __version__
from kgbuild.config import Settings
from kgbuild.errors import KgbuildError, QueryError
from kgbuild.graph import ENTITY_NODE_LABELS
from kgbuild.loading import graph_counts
from kgbuild.queries import get_template, run_template
from kgbuild.records import NODE_LABELS

COLORS: dict[str, str] = {
    "Paper": "#8DCC93",
    "Method": "#4C8EDA",
    "Dataset": "#F79767",
    "Model": "#C990C0",
    "BrainRegion": "#F16667",
    "Task": "#57C7E3",
    "Metric": "#FFC454",
    "Repository": "#D9C8AE",
}
"""One colour per node label, shared by the charts, the graph and the highlighted abstract."""

_ENTITY_TYPE = {label: etype for etype, label in NODE_LABELS.items()}


@dataclass
class ReportData:
    """Everything the page shows, read from Neo4j in a few read-only queries."""

    nodes: dict[str, int]
    relationships: dict[str, int]
    top: dict[str, list[dict[str, Any]]]
    graph_nodes: list[dict[str, Any]]
    graph_edges: list[dict[str, Any]]
    paper: dict[str, Any] | None
    paper_mentions: list[dict[str, Any]] = field(default_factory=list)
    source: str = ""


_CORE_QUERY = """
MATCH (e:Method|Dataset|Model|BrainRegion|Task|Metric)
WITH e, COUNT { (:Paper)-[:MENTIONS]->(e) } AS degree
WHERE degree > 0
ORDER BY degree DESC, e.name
LIMIT $entities
WITH collect(e) AS core
UNWIND core AS e
MATCH (p:Paper)-[:MENTIONS]->(e)
WITH core, p, count(e) AS hits
ORDER BY hits DESC, p.key
LIMIT $papers
MATCH (p)-[m:MENTIONS]->(e)
WHERE e IN core
RETURN p.key AS paper_key, p.title AS paper_title, e.key AS entity_key, labels(e)[0] AS label, e.name AS name,
       COUNT { (:Paper)-[:MENTIONS]->(e) } AS degree,
       head([(p)-[r]->(e) WHERE type(r) <> 'MENTIONS' | type(r)] + ['MENTIONS']) AS relation
"""

_PAPER_QUERY = """
MATCH (p:Paper)
WHERE ($paper IS NULL OR p.key = $paper OR toLower(p.title) CONTAINS toLower($paper))
WITH p, COUNT { (p)-[:MENTIONS]->() } AS entities
ORDER BY CASE WHEN p.key = $paper THEN 0 ELSE 1 END, entities DESC, p.key
LIMIT 1
OPTIONAL MATCH (p)-[m:MENTIONS]->(e)
RETURN p.key AS key, p.title AS title, p.abstract AS abstract, p.url AS url, p.year AS year,
       collect(CASE WHEN e IS NULL THEN null ELSE {label: labels(e)[0], name: e.name, offsets: m.offsets} END)
         AS mentions
"""


def _read(driver: Driver, database: str, query: str, **params: Any) -> list[dict[str, Any]]:
    with driver.session(database=database, default_access_mode=READ_ACCESS,
                        notifications_min_severity="OFF") as session:
        return session.execute_read(lambda tx: [r.data() for r in tx.run(query, params)])


def collect(driver: Driver, database: str, paper: str | None = None, top: int = 10,
            core_entities: int = 40, core_papers: int = 60) -> ReportData:
    """Read what the page shows. `paper` is a paper key or words of its title; default: the richest paper."""
    nodes, relationships = graph_counts(driver, database)
    template = get_template("top-entities")
    _, rows = run_template(driver, template, {"label": None, "per_label": top}, database)
    by_type: dict[str, list[dict[str, Any]]] = {label: [] for label in ENTITY_NODE_LABELS}
    for row in rows:
        by_type.setdefault(row["type"], []).append(row)
    core = _read(driver, database, _CORE_QUERY, entities=core_entities, papers=core_papers)
    graph_nodes: dict[str, dict[str, Any]] = {}
    edges = []
    for row in core:
        pid, eid = f"Paper:{row['paper_key']}", f"{row['label']}:{row['entity_key']}"
        graph_nodes.setdefault(pid, {"id": pid, "label": "Paper", "name": row["paper_title"], "degree": 0})
        graph_nodes.setdefault(eid, {"id": eid, "label": row["label"], "name": row["name"], "degree": row["degree"]})
        graph_nodes[pid]["degree"] += 1
        edges.append({"source": pid, "target": eid, "type": row["relation"]})
    found = _read(driver, database, _PAPER_QUERY, paper=paper)
    if paper is not None and not found:
        raise QueryError(f"no paper with key or title matching {paper!r}; try `kgbuild query run papers-mentioning`")
    chosen = found[0] if found else None
    return ReportData(
        nodes=nodes, relationships=relationships, top={k: v for k, v in by_type.items() if v},
        graph_nodes=list(graph_nodes.values()), graph_edges=edges, paper=chosen,
        paper_mentions=[m for m in (chosen or {}).get("mentions", []) if m],
    )


# --- pieces of the page --------------------------------------------------------------------------------

def graph_html(data: ReportData, height: str = "620px") -> str:
    """The interactive graph as a complete HTML document (neo4j-viz inlines its JavaScript and CSS)."""
    from neo4j_viz import Node, Relationship, VisualizationGraph

    nodes = [
        Node(id=n["id"], caption=_short(n["name"]), color=COLORS.get(n["label"], "#A5ABB6"),
             size=8 + 3 * min(n["degree"], 12) ** 0.8,
             properties={"label": n["label"], "name": n["name"], "papers" if n["label"] != "Paper" else
                         "entities": n["degree"]})
        for n in data.graph_nodes
    ]
    relationships = [Relationship(source=e["source"], target=e["target"], caption=e["type"]) for e in data.graph_edges]
    graph = VisualizationGraph(nodes=nodes, relationships=relationships)
    return graph.render(height=height, theme="light", show_layout_button=False).data


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _spans(text: str, field_name: str, mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """displaCy spans for one field, overlaps resolved in favour of the longer mention."""
    candidates = []
    for m in mentions:
        for offset in m.get("offsets") or []:
            where, _, span = offset.partition(":")
            start, _, end = span.partition("-")
            if where != field_name or not (start.isdigit() and end.isdigit()):
                continue
            s, e = int(start), int(end)
            if 0 <= s < e <= len(text):
                candidates.append((s, e, _ENTITY_TYPE.get(m["label"], m["label"].upper())))
    chosen: list[tuple[int, int, str]] = []
    for s, e, label in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if all(e <= cs or s >= ce for cs, ce, _ in chosen):
            chosen.append((s, e, label))
    return [{"start": s, "end": e, "label": label} for s, e, label in sorted(chosen)]


def abstract_html(data: ReportData) -> str:
    """The chosen paper's title and abstract with its entities highlighted by displaCy."""
    from spacy import displacy

    if not data.paper:
        return ""
    options = {
        "ents": [_ENTITY_TYPE[label] for label in ENTITY_NODE_LABELS],
        "colors": {_ENTITY_TYPE[label]: COLORS[label] for label in ENTITY_NODE_LABELS},
    }
    parts = []
    for field_name in ("title", "abstract"):
        text = data.paper.get(field_name) or ""
        if text:
            doc = {"text": text, "ents": _spans(text, field_name, data.paper_mentions), "title": None}
            parts.append(displacy.render(doc, style="ent", manual=True, page=False, jupyter=False, options=options))
    return "\n".join(parts)


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kgbuild report</title>
<style>
  body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; color: #1f2430;
         background: #f6f7f9; }
  header { background: #1f2430; color: #fff; padding: 18px 32px; }
  header h1 { margin: 0; font-size: 22px; }
  header p { margin: 4px 0 0; color: #c5cad3; font-size: 13px; }
  main { max-width: 1180px; margin: 0 auto; padding: 16px 32px 48px; }
  section { background: #fff; border-radius: 8px; padding: 16px 20px; margin: 16px 0;
            box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  h2 { font-size: 17px; margin: 0 0 12px; }
  .cards { display: flex; flex-wrap: wrap; gap: 10px; }
  .card { border-radius: 6px; padding: 8px 14px; min-width: 96px; background: #f0f2f5; }
  .card b { display: block; font-size: 20px; }
  .card span { font-size: 12px; color: #555; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 5px; }
  .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 18px; }
  .chart h3 { font-size: 14px; margin: 0 0 6px; }
  .row { display: grid; grid-template-columns: 150px 1fr 34px; align-items: center; gap: 6px; font-size: 12px;
         margin: 3px 0; }
  .row .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-align: right; }
  .row .track { background: #eef0f3; border-radius: 3px; height: 14px; }
  .row .bar { height: 14px; border-radius: 3px; }
  .row .n { color: #555; }
  .graph-frame { width: 100%; height: 640px; border: 0; }
  .muted { color: #666; font-size: 13px; }
  .legend span { margin-right: 14px; font-size: 12px; }
</style>
</head>
<body>
<header>
  <h1>Knowledge graph report</h1>
  <p>{{ source }} &middot; generated {{ generated }} by kgbuild {{ version }}</p>
</header>
<main>
<section id="counts">
  <h2>What the graph holds</h2>
  <div class="cards">
  {% for label, n in nodes.items() %}
    <div class="card"><b>{{ "{:,}".format(n) }}</b>
      <span><i class="swatch" style="background: {{ colors.get(label, '#aaa') }}"></i>{{ label }}</span></div>
  {% endfor %}
  </div>
  <p class="muted">Relationships:
  {% for rel, n in relationships.items() %}
    {{ rel }} {{ "{:,}".format(n) }}{% if not loop.last %} &middot;{% endif %}
  {% endfor %}
  </p>
</section>
<section id="top">
  <h2>Most frequent entities (number of papers)</h2>
  <div class="charts">
  {% for label, rows in top.items() %}
    <div class="chart" data-label="{{ label }}">
      <h3><i class="swatch" style="background: {{ colors[label] }}"></i>{{ label }}</h3>
      {% set most = rows[0].papers or 1 %}
      {% for row in rows %}
      <div class="row"><span class="name" title="{{ row.entity }}">{{ row.entity }}</span>
        <span class="track"><span class="bar"
          style="display:block; width: {{ (100 * row.papers / most) | round(1) }}%; background: {{ colors[label] }}">
        </span></span>
        <span class="n">{{ row.papers }}</span></div>
      {% endfor %}
    </div>
  {% endfor %}
  </div>
</section>
<section id="graph">
  <h2>The most connected part of the graph</h2>
  <p class="muted">The {{ entity_count }} most mentioned entities and the {{ paper_count }} papers that mention most
  of them. Drag to move, scroll to zoom, click a node to see its properties.</p>
  <p class="legend">
  {% for label, color in colors.items() if label in graph_labels %}
    <span><i class="swatch" style="background: {{ color }}"></i>{{ label }}</span>
  {% endfor %}
  </p>
  {% if graph %}
  <iframe class="graph-frame" title="graph" srcdoc="{{ graph }}"></iframe>
  {% else %}
  <p>The graph is empty: run <code>kgbuild ingest</code> first.</p>
  {% endif %}
</section>
<section id="paper">
  <h2>One paper, its entities highlighted</h2>
  {% if paper %}
  <p class="muted">{{ paper.key }}{% if paper.year %} &middot; {{ paper.year }}{% endif %}
  {% if paper.url %} &middot; {{ paper.url }}{% endif %}
  &middot; {{ mention_count }} entities. Choose another with <code>kgbuild report --paper ID</code>.</p>
  <div class="abstract" data-paper="{{ paper.key }}">{{ abstract | safe }}</div>
  {% else %}
  <p>No paper in the graph yet.</p>
  {% endif %}
</section>
</main>
</body>
</html>
"""


def render_html(data: ReportData) -> str:
    """The whole page as one string; every value is escaped except the displaCy markup."""
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(_PAGE).render(
        source=data.source, generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), version=__version__,
        nodes=data.nodes, relationships=data.relationships, top=data.top, colors=COLORS,
        graph=graph_html(data) if data.graph_nodes else "",
        graph_labels={n["label"] for n in data.graph_nodes},
        entity_count=sum(1 for n in data.graph_nodes if n["label"] != "Paper"),
        paper_count=sum(1 for n in data.graph_nodes if n["label"] == "Paper"),
        paper=data.paper, mention_count=len(data.paper_mentions), abstract=abstract_html(data),
    )


def write_report(source: Settings | Driver, out: Path, paper_id: str | None = None, database: str | None = None,
                 top: int = 10) -> Path:
    """Write the report of the graph in Neo4j to `out` and return the path.

    `source` is either Settings (the driver is opened and closed here, the local server must be running)
    or an open Driver with `database`.
    """
    out = Path(out)
    if isinstance(source, Settings):
        from kgbuild.connection import driver_for

        with driver_for(source) as (driver, resolved):
            data = collect(driver, resolved.database, paper_id, top)
            data.source = f"{resolved.uri} / {resolved.database}"
    else:
        data = collect(source, database or "neo4j", paper_id, top)
        data.source = f"database {database or 'neo4j'}"
    page = render_html(data)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(page, encoding="utf-8")
    except OSError as error:
        raise KgbuildError(f"cannot write {out}: {error.strerror or error}") from None
    return out
