"""One way to open a Neo4j driver, with the errors a user can cause turned into one clear line.

Used by loading, queries and stats alike. When no NEO4J_URI is configured, the local server of
`kgbuild neo4j start` is used (and started, where the caller allows it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j import Driver, GraphDatabase
from neo4j.exceptions import AuthError, ClientError, ConfigurationError, ServiceUnavailable

from kgbuild import server
from kgbuild.config import Settings
from kgbuild.errors import ServerError


def resolve(settings: Settings, start_local: bool = False) -> Settings:
    """Fill in the URI of the local server when none is configured, starting it if allowed."""
    if settings.uri:
        return settings
    info = server.status(settings.home)
    if info is None and start_local:
        info = server.start(settings.home, settings.password)
    if info is None:
        raise ServerError(
            "no Neo4j configured and the local one is not running: start it with `kgbuild neo4j start`, "
            "or set NEO4J_URI (for example after `docker compose up -d`)"
        )
    return settings.with_overrides(uri=info.uri)


def _unreachable(settings: Settings) -> ServerError:
    return ServerError(
        f"cannot reach Neo4j at {settings.uri}; start it with `kgbuild neo4j start` or `docker compose up -d`"
    )


def open_driver(settings: Settings) -> Driver:
    """A driver whose server answered, with the credentials accepted and the database present."""
    try:
        driver = GraphDatabase.driver(settings.uri, auth=(settings.user, settings.password))
    except (ValueError, ConfigurationError) as error:
        raise ServerError(f"bad NEO4J_URI {settings.uri!r}: {error}") from None
    try:
        driver.verify_connectivity()
        driver.execute_query("RETURN 1", database_=settings.database)
    except AuthError:
        driver.close()
        raise ServerError(
            f"Neo4j at {settings.uri} refused user {settings.user!r}: wrong user or password (NEO4J_PASSWORD)"
        ) from None
    except ServiceUnavailable:
        driver.close()
        raise _unreachable(settings) from None
    except ClientError as error:
        driver.close()
        if "DatabaseNotFound" in (error.code or ""):
            raise ServerError(
                f"Neo4j at {settings.uri} has no database {settings.database!r} (NEO4J_DATABASE)"
            ) from None
        raise ServerError(f"Neo4j at {settings.uri} said: {error.message}") from None
    except OSError:
        driver.close()
        raise _unreachable(settings) from None
    return driver


@contextmanager
def driver_for(settings: Settings, start_local: bool = False) -> Iterator[tuple[Driver, Settings]]:
    """Context manager over `open_driver` that also resolves the local server."""
    resolved = resolve(settings, start_local=start_local)
    driver = open_driver(resolved)
    try:
        yield driver, resolved
    finally:
        driver.close()
