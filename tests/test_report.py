"""The HTML report and Neo4j Browser, on the seed corpus in a real Neo4j, looked at in a real headless Chromium.

Screenshots are kept under out/artifacts/ (git-ignored): report.png and browser.png.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kgbuild.errors import QueryError
from kgbuild.graph import ENTITY_NODE_LABELS
from kgbuild.loading import graph_counts
from kgbuild.queries import get_template, list_templates, run_template
from kgbuild.report import ReportData, render_html, write_report

pytestmark = pytest.mark.neo4j

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "out" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def report(driver, tmp_path_factory) -> Path:
    return write_report(driver, tmp_path_factory.mktemp("report") / "report.html", database="neo4j")


class _Page(HTMLParser):
    """What a reader sees: the count cards, the chart rows, the highlighted spans, external references."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.text: dict[str, list[str]] = {}
        self.marks: list[tuple[str, str]] = []
        self.external: list[str] = []
        self.iframes: list[dict[str, str]] = []
        self._mark: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        for key in ("src", "href"):
            if re.match(r"^(https?:)?//", a.get(key, "")):
                self.external.append(a[key])
        if tag == "iframe":
            self.iframes.append(a)
        if tag == "mark":
            self._mark = []
        self.stack.append((tag, a))

    def handle_endtag(self, tag):
        if tag == "mark" and self._mark is not None:
            parts = [p.strip() for p in self._mark if p.strip()]
            self.marks.append((parts[0], parts[-1]))
            self._mark = None
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if self._mark is not None:
            self._mark.append(data)
        for _, a in self.stack:
            if "class" in a:
                self.text.setdefault(a["class"], []).append(data.strip())


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_page_escapes_what_the_graph_holds_and_handles_an_empty_graph():
    evil = "<script>alert(1)</script>"
    data = ReportData(
        nodes={"Paper": 1, "Method": 1}, relationships={"MENTIONS": 1},
        top={"Method": [{"type": "Method", "rank": 1, "entity": evil, "papers": 1}]},
        graph_nodes=[{"id": "Paper:p", "label": "Paper", "name": evil, "degree": 1},
                     {"id": "Method:m", "label": "Method", "name": evil, "degree": 1}],
        graph_edges=[{"source": "Paper:p", "target": "Method:m", "type": "MENTIONS"}],
        paper={"key": "p", "title": evil, "abstract": f"We use {evil} here.", "url": None, "year": None},
        paper_mentions=[{"label": "Method", "name": evil, "offsets": ["abstract:7-32", "title:0-25", "title:3-99"]}],
    )
    page = render_html(data)
    assert evil not in page and page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3
    empty = render_html(ReportData(nodes={}, relationships={}, top={}, graph_nodes=[], graph_edges=[], paper=None))
    assert "run <code>kgbuild ingest</code> first" in empty and "No paper in the graph yet" in empty


def test_report_shows_counts_top_entities_graph_and_a_highlighted_abstract(report, driver, seed_papers):
    text = report.read_text(encoding="utf-8")
    page = _parse(report)
    nodes, relationships = graph_counts(driver, "neo4j")
    assert nodes["Paper"] == len(seed_papers)
    for label, n in nodes.items():
        assert re.search(rf"<b>{n:,}</b>\s*<span><i[^>]*></i>{label}</span>", text), label
    for rel, n in relationships.items():
        assert f"{rel} {n:,}" in text

    _, top = run_template(driver, get_template("top-entities"), {"label": None, "per_label": 10}, "neo4j")
    assert top
    charted = [n for n in page.text.get("name", []) if n]
    assert charted == [r["entity"] for r in sorted(top, key=lambda r: ENTITY_NODE_LABELS.index(r["type"]))]

    assert len(page.iframes) == 1 and "neo4j-viz" in page.iframes[0]["srcdoc"]
    assert not page.external and "https://" not in page.iframes[0]["srcdoc"].split("neo4j-viz-data")[0][:2000]

    # the default paper is one with the most entities; every highlight is text of that paper, typed
    chosen = seed_papers[re.search(r'data-paper="([^"]+)"', text).group(1)]
    records, _, _ = driver.execute_query(
        "MATCH (p:Paper) RETURN p.key AS key, COUNT { (p)-[:MENTIONS]->() } AS n ORDER BY n DESC", database_="neo4j")
    assert dict((r["key"], r["n"]) for r in records)[chosen.id] == records[0]["n"] > 0
    assert page.marks, "no entity highlighted"
    for surface, label in page.marks:
        assert surface in chosen.title or surface in chosen.abstract
        assert label in {"METHOD", "DATASET", "MODEL", "BRAIN_REGION", "TASK", "METRIC"}


def test_report_for_a_chosen_paper_and_an_unknown_one(driver, seed_papers, tmp_path):
    target = next(p for p in seed_papers.values() if "equilibrium propagation" in p.title.lower())
    out = write_report(driver, tmp_path / "ep.html", paper_id=target.id, database="neo4j")
    page = _parse(out)
    assert f'data-paper="{target.id}"' in out.read_text(encoding="utf-8")
    assert page.marks and all(s in target.title or s in target.abstract for s, _ in page.marks)
    by_words = write_report(driver, tmp_path / "ep2.html", paper_id="EQUILIBRIUM PROPAGATION WITHOUT", database="neo4j")
    assert f'data-paper="{target.id}"' in by_words.read_text(encoding="utf-8")
    with pytest.raises(QueryError, match="no paper with key or title matching 'no such paper xyz'"):
        write_report(driver, tmp_path / "none.html", paper_id="no such paper xyz", database="neo4j")


def test_cli_writes_the_report(seed_graph, tmp_path):
    out = tmp_path / "sub" / "r.html"
    done = subprocess.run(
        [sys.executable, "-m", "kgbuild.cli", "report", "-o", str(out), "--uri", seed_graph.uri,
         "--password", seed_graph.password], capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert out.is_file() and "<iframe" in out.read_text(encoding="utf-8")


# --- looked at in Chromium --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


_DRAWN = """() => [...document.querySelectorAll('canvas')].map(c => {
  const ctx = c.getContext('2d');
  if (!ctx || !c.width) return 0;
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
})"""


def test_report_loads_offline_without_console_errors_and_draws_the_graph(chromium, report):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri(), wait_until="load")
    frame = next(f for f in page.frames if f.url == "about:srcdoc")
    frame.wait_for_selector("canvas", timeout=30_000)
    page.wait_for_timeout(3000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    drawn = frame.evaluate(_DRAWN)
    page.close()
    assert not problems, problems
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:", "about:"))] == []
    assert max(drawn) > 2000, f"the graph canvas is blank: {drawn}"


@pytest.mark.slow
def test_neo4j_browser_serves_the_guide_connects_and_draws_the_graph(chromium, seed_graph, driver):
    from kgbuild.browser import BrowserServer, browser_assets

    if shutil.which("mvn") is None and not (seed_graph.home / "neo4j-browser").is_dir():
        pytest.skip("Maven is needed once to fetch Neo4j Browser from Maven Central")
    assets = browser_assets(seed_graph.home)
    with BrowserServer(assets, seed_graph.uri, seed_graph.database, port=0) as server:
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url, wait_until="load")
        page.get_by_test_id("password").fill(seed_graph.password)
        page.get_by_test_id("connect").click()
        page.get_by_text("Connected to Neo4j").first.wait_for(timeout=30_000)
        guide = page.locator("pre.runnable", has_text="RETURN path LIMIT 300").first
        guide.wait_for(timeout=30_000)
        guide.click()
        page.keyboard.press("Control+Enter")
        page.locator("svg g.node").first.wait_for(timeout=30_000)
        page.wait_for_timeout(5000)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "browser.png"))
        drawn = page.locator("svg g.node").count()

        # a template slide: run its :param block, then its query; the answer is the same as from Python
        template = get_template("top-entities")
        _, rows = run_template(driver, template, template.example_params, "neo4j")
        heading = page.locator("h3", has_text=template.name)
        for _ in range(len(list_templates()) + 1):
            if heading.count() and heading.first.is_visible():
                break
            page.get_by_text("Next", exact=True).click()
        page.locator("pre.runnable", has_text=":param").first.click()
        page.keyboard.press("Control+Enter")
        page.wait_for_timeout(2500)
        page.locator("pre.runnable", has_text="MATCH").first.click()
        page.keyboard.press("Control+Enter")
        page.get_by_text(f'"{rows[-1]["entity"]}"').first.wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "browser-template.png"))
        page.close()
    assert drawn >= 10 and not errors
