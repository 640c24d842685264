"""Settings from the environment, a `.env` file and CLI overrides, in that order of precedence (lowest first)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_USER = "neo4j"
DEFAULT_PASSWORD = "kgbuild-local-pw"
DEFAULT_DATABASE = "neo4j"


@dataclass(frozen=True)
class Settings:
    """Where the graph goes. `uri` is None when no server is configured: the local one is used."""

    uri: str | None = None
    user: str = DEFAULT_USER
    password: str = DEFAULT_PASSWORD
    database: str = DEFAULT_DATABASE
    home: Path = Path(".kgbuild")

    def with_overrides(self, **values: object) -> Settings:
        """Return a copy with the non-None values replaced (CLI options win over env)."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    def __repr__(self) -> str:
        """Never show the password, even in a traceback or a debug print."""
        return f"Settings(uri={self.uri!r}, user={self.user!r}, password='***', database={self.database!r})"


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Read NEO4J_* and KGBUILD_HOME from `.env` then the process environment (the environment wins)."""
    values: dict[str, str | None] = {}
    if env_file and Path(env_file).is_file():
        values.update(dotenv_values(env_file))
    values.update({k: v for k, v in os.environ.items() if k.startswith(("NEO4J_", "KGBUILD_"))})
    return Settings(
        uri=values.get("NEO4J_URI") or None,
        user=values.get("NEO4J_USER") or DEFAULT_USER,
        password=values.get("NEO4J_PASSWORD") or DEFAULT_PASSWORD,
        database=values.get("NEO4J_DATABASE") or DEFAULT_DATABASE,
        home=Path(values.get("KGBUILD_HOME") or ".kgbuild"),
    )
