"""The local Neo4j as the project runs it: real process, real Bolt, idempotent start, clean errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kgbuild import server
from kgbuild.cli import main
from kgbuild.config import Settings, load_settings
from kgbuild.connection import open_driver
from kgbuild.errors import ServerError
from tests.conftest import TEST_INSTANCE, TEST_PASSWORD


def test_server_answers_bolt_and_is_5_26_community(neo4j_settings: Settings) -> None:
    driver = open_driver(neo4j_settings)
    try:
        records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions, edition")
    finally:
        driver.close()
    assert records[0]["edition"] == "community"
    assert records[0]["versions"][0].startswith("5.26.")


def test_second_start_finds_the_running_server(neo4j_settings: Settings, kgbuild_home: Path) -> None:
    if server.status(kgbuild_home, TEST_INSTANCE) is None:
        pytest.skip("integration tests run against an external server (KGBUILD_TEST_NEO4J_URI)")
    first = server.status(kgbuild_home, TEST_INSTANCE)
    again = server.start(kgbuild_home, TEST_PASSWORD, instance=TEST_INSTANCE, port=None)
    assert again == first


def test_password_is_not_on_the_java_command_line(neo4j_settings: Settings, kgbuild_home: Path) -> None:
    info = server.status(kgbuild_home, TEST_INSTANCE)
    if info is None:
        pytest.skip("integration tests run against an external server (KGBUILD_TEST_NEO4J_URI)")
    command_line = Path(f"/proc/{info.pid}/cmdline").read_bytes().decode()
    assert "LocalNeo4j" in command_line
    assert TEST_PASSWORD not in command_line


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"password": "not-the-password"}, "wrong user or password"),
        ({"database": "no_such_db"}, "has no database 'no_such_db'"),
        ({"uri": "bolt://127.0.0.1:1"}, "cannot reach Neo4j at bolt://127.0.0.1:1"),
    ],
)
def test_connection_errors_are_one_clear_line(neo4j_settings: Settings, overrides: dict, expected: str) -> None:
    with pytest.raises(ServerError) as error:
        open_driver(neo4j_settings.with_overrides(**overrides))
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_settings_never_show_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-value")
    settings = load_settings(env_file=None)
    assert settings.password == "s3cret-value"
    assert "s3cret-value" not in repr(settings)


def test_env_file_is_read_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("NEO4J_URI=bolt://example:7687\nNEO4J_USER=alice\nNEO4J_DATABASE=papers\n")
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.delenv("NEO4J_DATABASE", raising=False)
    monkeypatch.setenv("NEO4J_USER", "bob")
    settings = load_settings(env)
    assert (settings.uri, settings.user, settings.database) == ("bolt://example:7687", "bob", "papers")
    assert settings.with_overrides(uri="neo4j://other", user=None).uri == "neo4j://other"


def test_cli_reports_unreachable_server_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "bolt://127.0.0.1:1")
    result = CliRunner().invoke(main, ["stats"])
    assert result.exit_code == 1
    assert "cannot reach Neo4j at bolt://127.0.0.1:1" in result.output
    assert "Traceback" not in result.output
