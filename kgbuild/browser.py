"""Neo4j Browser for the saved queries: `:params` blocks, a Browser guide, and a local Browser to open it in.

Neo4j Browser's static build is published on Maven Central (`org.neo4j.client:neo4j-browser`, the same
files a Neo4j server serves on :7474). `kgbuild browser` fetches it once into the kgbuild home, serves
it on localhost next to a guide generated from `cypher/`, and opens it pointed at our Bolt port: Browser
talks Bolt over WebSocket, which Neo4j 5's Bolt connector accepts on its usual port, so the local
embedded server needs no HTTP connector. The guide is one slide per template: a runnable block of
`:param` lines with the template's example values, then the query.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import webbrowser
import zipfile
from collections.abc import Iterable, Mapping
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment

from kgbuild.config import Settings
from kgbuild.errors import KgbuildError, ServerError
from kgbuild.queries import Template, list_templates

BROWSER_VERSION = "5.24.0"
"""The newest Neo4j Browser on Maven Central; it speaks to Neo4j 5.x servers."""
BROWSER_ARTIFACT = f"org.neo4j.client:neo4j-browser:{BROWSER_VERSION}"
DEFAULT_PORT = 7475
GUIDE_PATH = "/guides/kgbuild.html"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --- Cypher literals and :params ---------------------------------------------------------------------

def cypher_literal(value: Any) -> str:
    """A Python value as a Cypher literal (strings escaped), for Browser's `:params` command."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)}: {cypher_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Iterable):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    raise KgbuildError(f"cannot write {type(value).__name__} as a Cypher literal")


def _key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else "`" + name.replace("`", "``") + "`"


def param_block(params: Mapping[str, Any]) -> str:
    """One `:param name => value;` line per parameter.

    The `=>` form has Browser evaluate the value with Cypher, so `10` stays an integer (`:params {limit: 10}`
    is read as JSON and sends 10.0, which LIMIT refuses).
    """
    return "\n".join(f":param {_key(k)} => {cypher_literal(v)};" for k, v in params.items())


def browser_script(template: Template, params: Mapping[str, Any] | None = None) -> str:
    """What to paste into Browser to run a template: its `:param` lines, a blank line, then the query.

    `params` default to the template's example values; Browser's multi-statement editor (on by default)
    runs them all in one go.
    """
    values = template.example_params if params is None else dict(params)
    block = param_block(values)
    return f"{block}\n\n{template.cypher}" if block else template.cypher


# --- the guide ------------------------------------------------------------------------------------------

_GUIDE = """<article class="guide">
<slide class="row-fluid">
  <div class="col-sm-12">
    <h3>kgbuild: {{ templates | length }} saved questions</h3>
    <p>Each slide is one template from <code>cypher/</code>. Click a grey block to put it in the editor, then
    run it (Ctrl+Enter). The first block sets the parameters with <code>:param</code>; change the values and
    run it again to ask about something else.</p>
    <p>The shape of the graph:</p>
    <pre class="pre-scrollable code runnable">CALL db.schema.visualization()</pre>
    <p>A first picture: the most mentioned entities and the papers that mention them.</p>
    <pre class="pre-scrollable code runnable">MATCH (e:Method|Dataset|Model|BrainRegion|Task|Metric)
WITH e, COUNT { (:Paper)-[:MENTIONS]-&gt;(e) } AS papers
ORDER BY papers DESC LIMIT 15
MATCH path = (e)&lt;-[:MENTIONS]-(:Paper)
RETURN path LIMIT 300</pre>
    <ul>
    {% for t in templates %}
      <li><b>{{ t.name }}</b>: {{ t.description }}</li>
    {% endfor %}
    </ul>
  </div>
</slide>
{% for t in templates %}
<slide class="row-fluid">
  <div class="col-sm-12">
    <h3>{{ t.name }}</h3>
    <p>{{ t.description }}</p>
    {% if t.params %}
    <ul>
    {% for p in t.params %}
      <li><code>{{ p.name }}</code>
        ({{ p.type }}{% if not p.required %}, default {{ p.default | tojson }}{% endif %}){% if p.help %}:
        {{ p.help }}{% endif %}</li>
    {% endfor %}
    </ul>
    <pre class="pre-scrollable code runnable">{{ params[t.name] }}</pre>
    {% endif %}
    <pre class="pre-scrollable code runnable">{{ t.cypher }}</pre>
    <p>From a terminal: <code>kgbuild query run {{ t.name }}
      {%- for p in t.params %} --param {{ p.name }}=...{% endfor %}</code></p>
  </div>
</slide>
{% endfor %}
</article>
"""


def guide_html(templates: list[Template] | None = None) -> str:
    """A Neo4j Browser guide (`:guide URL`) with one slide per template."""
    templates = list_templates() if templates is None else templates
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    params = {t.name: param_block(t.example_params) for t in templates}
    return env.from_string(_GUIDE).render(templates=templates, params=params)


# --- the Browser build ------------------------------------------------------------------------------------

def _maven_repo(home: Path) -> Path:
    return Path(os.environ.get("KGBUILD_MAVEN_REPO") or home / "m2").resolve()


def browser_assets(home: Path) -> Path:
    """The directory holding Neo4j Browser's `index.html`, fetched from Maven Central once and cached."""
    target = (home / "neo4j-browser" / BROWSER_VERSION).resolve()
    if (target / "browser" / "index.html").is_file():
        return target / "browser"
    repo = _maven_repo(home)
    jar = repo / "org/neo4j/client/neo4j-browser" / BROWSER_VERSION / f"neo4j-browser-{BROWSER_VERSION}.jar"
    if not jar.is_file():
        if shutil.which("mvn") is None:
            raise ServerError("fetching Neo4j Browser needs Maven (mvn) on PATH; or use Neo4j Desktop / Docker")
        result = subprocess.run(
            ["mvn", "-q", "-B", "dependency:get", f"-Dartifact={BROWSER_ARTIFACT}", "-Dtransitive=false",
             f"-Dmaven.repo.local={repo}"],
            capture_output=True, text=True,
        )
        if result.returncode != 0 or not jar.is_file():
            raise ServerError(f"could not fetch {BROWSER_ARTIFACT} from Maven Central (exit {result.returncode})")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(jar) as archive:
        members = [m for m in archive.namelist() if m.startswith("browser/") and ".." not in m]
        archive.extractall(staging, members)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target / "browser"


# --- serving it ---------------------------------------------------------------------------------------

def browser_url(base: str, bolt_uri: str, database: str, user: str = "neo4j", guide: bool = True) -> str:
    """The Browser page, pointed at our Bolt server, user and database, opening the kgbuild guide."""
    scheme, sep, rest = bolt_uri.partition("://")
    dbms = f"{scheme}{sep}{quote(user, safe='')}@{rest}" if sep and "@" not in rest else bolt_uri
    query = {"dbms": dbms, "db": database, "preselectAuthMethod": "NATIVE"}
    if guide:
        query |= {"cmd": "guide", "arg": base + GUIDE_PATH}
    return f"{base}/browser/?{urlencode(query, quote_via=quote)}"


class _Handler(SimpleHTTPRequestHandler):
    """Static Browser files under /browser/, the guide, and Neo4j's discovery document at /."""

    guide: bytes = b""
    discovery: bytes = b""
    landing: str = "/browser/"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: a user watching `kgbuild browser` does not need a line per file."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        path = self.path.split("?", 1)[0]
        if path == GUIDE_PATH:
            self._send(self.guide, "text/html; charset=utf-8")
        elif path == "/" and "application/json" in self.headers.get("Accept", ""):
            self._send(self.discovery, "application/json")
        elif path == "/":
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", self.landing)
            self.end_headers()
        elif path.startswith("/browser/") or path == "/browser":
            super().do_GET()
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0]
        relative = path[len("/browser"):] if path.startswith("/browser") else path
        return super().translate_path(relative or "/")


class BrowserServer:
    """Neo4j Browser and the kgbuild guide on http://localhost:PORT, in a background thread."""

    def __init__(self, assets: Path, bolt_uri: str, database: str, port: int = DEFAULT_PORT,
                 templates: list[Template] | None = None, user: str = "neo4j") -> None:
        handler = type("Handler", (_Handler,), {})
        handler.guide = guide_html(templates).encode()
        try:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(assets)))
        except OSError as error:
            raise ServerError(f"cannot serve Neo4j Browser on port {port}: {error.strerror or error}; "
                              "choose another with --port") from None
        self.port = self.httpd.server_address[1]
        self.base = f"http://localhost:{self.port}"
        handler.discovery = json.dumps({"bolt_direct": bolt_uri, "bolt_routing": bolt_uri.replace("bolt", "neo4j", 1),
                                        "neo4j_edition": "community"}).encode()
        self.url = browser_url(self.base, bolt_uri, database, user)
        handler.landing = self.url[len(self.base):]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="kgbuild-browser", daemon=True)

    def start(self) -> BrowserServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def wait(self) -> None:
        """Serve until Ctrl+C (what `kgbuild browser` does after printing the URL), then stop."""
        try:
            while self.thread.is_alive():
                self.thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> BrowserServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_browser(settings: Settings, port: int = DEFAULT_PORT, open_page: bool = True,
                  start_local: bool = False) -> BrowserServer:
    """Start serving Browser for the configured (or local) Neo4j; the caller keeps the process alive.

    Returns the running server: print `server.url`, then `server.wait()` serves until Ctrl+C.
    """
    from kgbuild.connection import resolve

    resolved = resolve(settings, start_local=start_local)
    assets = browser_assets(settings.home)
    server = BrowserServer(assets, resolved.uri or "", resolved.database, port, user=resolved.user).start()
    if open_page:
        webbrowser.open(server.url)
    return server
