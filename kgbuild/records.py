"""Plain data that flows one way between the stages: reading -> extraction -> graph -> loading.

Every stage takes and returns these; none of them knows about files, spaCy or Neo4j.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

ENTITY_LABELS: tuple[str, ...] = ("METHOD", "DATASET", "MODEL", "BRAIN_REGION", "TASK", "METRIC")
"""Entity types, as in the annotation guidelines (TASK and METRIC are extras)."""

GUIDELINE_LABELS: tuple[str, ...] = ("METHOD", "DATASET", "MODEL", "BRAIN_REGION")
"""The four types the annotation guidelines define; `kgbuild extract` writes these unless asked for all."""

NODE_LABELS: dict[str, str] = {
    "METHOD": "Method",
    "DATASET": "Dataset",
    "MODEL": "Model",
    "BRAIN_REGION": "BrainRegion",
    "TASK": "Task",
    "METRIC": "Metric",
}
"""Entity type -> Neo4j / graph node label."""


@dataclass(frozen=True, slots=True)
class Paper:
    """One abstract as read from a file; `id` is stable across runs and files."""

    id: str
    title: str
    abstract: str
    source: str = ""
    line: int = 0
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def content_hash(self) -> str:
        """Hash of what extraction reads, so unchanged papers can be skipped on re-runs."""
        digest = hashlib.sha1(f"{self.title}\n\n{self.abstract}".encode())
        return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of an entity, with the provenance a user needs to trust the edge.

    `start`/`end` are character offsets into `paper.title` or `paper.abstract` (see `field`),
    so `getattr(paper, field)[start:end] == text` always holds.
    """

    text: str
    label: str
    field: str
    start: int
    end: int
    sentence: str
    component: str
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """A distinct thing a paper mentions: canonical `key` (unique within its label) and display name."""

    key: str
    name: str
    label: str
    aliases: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True, slots=True)
class Repository:
    """A code repository linked from an abstract, normalised to `owner/name` on its host."""

    key: str
    host: str
    url: str
    field: str = "abstract"
    start: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True)
class ExtractedPaper:
    """A paper with everything extraction found in it."""

    paper: Paper
    entities: tuple[Entity, ...] = ()
    repositories: tuple[Repository, ...] = ()
    urls: tuple[str, ...] = ()
    extraction_version: str = ""

    @property
    def content_hash(self) -> str:
        """Input hash plus extraction version: a paper is re-extracted when either changes."""
        return hashlib.sha1(f"{self.paper.content_hash}:{self.extraction_version}".encode()).hexdigest()
