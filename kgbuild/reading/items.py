"""What a format parser yields: a record still to be checked, or an issue at a line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RawRecord:
    """Title and abstract as found (any type, not yet checked), with the optional fields for `extra`."""

    line: int
    title: Any
    abstract: Any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Issue:
    """A bad record at `line` (`skip`), or a note that loses nothing (`skip=False`)."""

    line: int
    message: str
    skip: bool = True
