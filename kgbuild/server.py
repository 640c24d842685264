"""The local Neo4j: fetched from Maven Central, started on a free local port, found again, stopped.

Neo4j's server tarball is not on Maven Central, but the database engine is (`org.neo4j:neo4j`, Community
5.26 LTS). `neo4j_launcher/` is a small Maven project that runs that engine with the Bolt connector on, and
its class path also carries `neo4j-admin` (`org.neo4j.cli.AdminTool`) for bulk CSV import. Everything is
cached under the kgbuild home directory (`.kgbuild/` by default, git-ignored):

    .kgbuild/m2/            Maven's local repository (the downloaded jars; KGBUILD_MAVEN_REPO moves it)
    .kgbuild/neo4j-build/   the launcher jar and lib/*.jar
    .kgbuild/<instance>/    data, logs and server.json of one server (instance "neo4j"; tests use "neo4j-test")
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kgbuild.errors import ServerError

NEO4J_VERSION = "5.26.31"
LAUNCHER_DIR = Path(__file__).parent / "neo4j_launcher"
DEFAULT_INSTANCE = "neo4j"
START_TIMEOUT = 240.0


@dataclass(frozen=True)
class ServerInfo:
    """A running local server: where Bolt listens and which process to signal."""

    pid: int
    port: int
    home: str
    heap: str = "1g"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"


def _instance_dir(home: Path, instance: str) -> Path:
    return (home / instance).resolve()


def _state_file(home: Path, instance: str) -> Path:
    return _instance_dir(home, instance) / "server.json"


def build(home: Path, quiet: bool = True) -> str:
    """Fetch Neo4j with Maven (once; cached) and return the Java class path of the launcher."""
    out = (home / "neo4j-build").resolve()
    jar = out / "kgbuild-neo4j-local.jar"
    if not (jar.is_file() and (out / "lib").is_dir()):
        if shutil.which("mvn") is None or shutil.which("java") is None:
            raise ServerError("the local Neo4j needs Java 17 and Maven (mvn) on PATH; or set NEO4J_URI")
        repo = Path(os.environ.get("KGBUILD_MAVEN_REPO") or home / "m2").resolve()
        command = [
            "mvn", "-B", "--no-transfer-progress", "-f", str(LAUNCHER_DIR / "pom.xml"), f"-Dmaven.repo.local={repo}",
            f"-Dkgbuild.out={out}", "package",
        ]
        if quiet:
            command.insert(2, "-q")
        result = subprocess.run(command, capture_output=quiet, text=True)
        if result.returncode != 0:
            tail = (result.stdout or "")[-2000:] if quiet else ""
            raise ServerError(f"building the local Neo4j with Maven failed (exit {result.returncode}){tail}")
    return f"{jar}{os.pathsep}{out / 'lib' / '*'}"


def _port_free(port: int) -> bool:
    """Whether a server could listen on `port`: probed as Java binds (SO_REUSEADDR), so the TIME_WAIT
    connections a just-stopped server leaves do not count as taken."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port(preferred: int | None) -> int:
    if preferred and _port_free(preferred):
        return preferred
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return True


def _bolt_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def status(home: Path, instance: str = DEFAULT_INSTANCE) -> ServerInfo | None:
    """The running server of this instance, or None."""
    state = _state_file(home, instance)
    if not state.is_file():
        return None
    info = ServerInfo(**json.loads(state.read_text()))
    if _alive(info.pid) and _bolt_answers(info.port):
        return info
    return None


def instance_serving(home: Path, uri: str) -> tuple[str, ServerInfo] | None:
    """The running local instance (name, info) that listens on `uri`'s port, or None: a URI such as
    `bolt://127.0.0.1:7687` may be a server of `kgbuild neo4j start`, whose files kgbuild can reach."""
    parsed = urlsplit(uri)
    if parsed.hostname not in {"127.0.0.1", "localhost", "::1"} or parsed.port is None:
        return None
    for state in sorted(home.glob("*/server.json")):
        info = status(home, state.parent.name)
        if info is not None and info.port == parsed.port:
            return state.parent.name, info
    return None


def start(
    home: Path, password: str, instance: str = DEFAULT_INSTANCE, port: int | None = 7687, heap: str = "1g"
) -> ServerInfo:
    """Start the local server, or return the one already running (idempotent)."""
    running = status(home, instance)
    if running:
        return running
    if len(password) < 8:
        raise ServerError("NEO4J_PASSWORD must have at least 8 characters for the local Neo4j")
    classpath = build(home)
    directory = _instance_dir(home, instance)
    (directory / "logs").mkdir(parents=True, exist_ok=True)
    chosen = _free_port(port)
    log_path = directory / "logs" / "launcher.log"
    env = dict(os.environ, KGBUILD_NEO4J_PASSWORD=password)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            ["java", f"-Xmx{heap}", "-cp", classpath, "kgbuild.LocalNeo4j", str(directory), str(chosen)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
        )
    info = ServerInfo(pid=process.pid, port=chosen, home=str(directory), heap=heap)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"the local Neo4j exited with code {process.returncode}; see {log_path}")
        if "READY" in log_path.read_text(errors="replace") and _bolt_answers(chosen):
            _state_file(home, instance).write_text(json.dumps(asdict(info)))
            return info
        time.sleep(0.5)
    process.kill()
    raise ServerError(f"the local Neo4j did not answer on port {chosen} within {START_TIMEOUT:.0f} s; see {log_path}")


def stop(home: Path, instance: str = DEFAULT_INSTANCE, kill: bool = False, timeout: float = 90.0) -> bool:
    """Stop the server cleanly (SIGTERM: the engine checkpoints and closes); `kill` simulates a crash."""
    state = _state_file(home, instance)
    if not state.is_file():
        return False
    info = ServerInfo(**json.loads(state.read_text()))
    stopped = False
    if _alive(info.pid):
        os.kill(info.pid, signal.SIGKILL if kill else signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(info.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(info.pid):
            os.kill(info.pid, signal.SIGKILL)
        stopped = True
    state.unlink(missing_ok=True)
    return stopped


def neo4j_admin(home: Path, instance: str, args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run `neo4j-admin ARGS` against an instance's data directory (the server must be stopped for import)."""
    directory = _instance_dir(home, instance)
    (directory / "conf").mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, NEO4J_HOME=str(directory), NEO4J_CONF=str(directory / "conf"))
    return subprocess.run(
        ["java", "-Xmx1g", "-cp", build(home), "org.neo4j.cli.AdminTool", *args],
        capture_output=True, text=True, env=env,
    )
