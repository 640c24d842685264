"""Building ExtractedPapers by hand for graph and export tests: every mention is found in the real text."""

from __future__ import annotations

import re

from kgbuild.extraction.canonical import canonical_key
from kgbuild.records import Entity, ExtractedPaper, Mention, Paper

_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")


def sentence_at(text: str, offset: int) -> str:
    """The sentence of `text` holding `offset` (a plain splitter: tests only need it to be consistent)."""
    for m in _SENTENCE.finditer(text):
        if m.start() <= offset < m.end():
            return m.group(0).strip()
    raise ValueError(offset)


def mentions_of(paper: Paper, surface: str, label: str, component: str = "test") -> tuple[Mention, ...]:
    """Every whole-word occurrence of `surface` in the title and abstract, with its sentence."""
    found = []
    for field in ("title", "abstract"):
        text = getattr(paper, field)
        for m in re.finditer(rf"(?<![\w-]){re.escape(surface)}(?!\w)", text):
            found.append(Mention(surface, label, field, m.start(), m.end(), sentence_at(text, m.start()),
                                 component, None))
    return tuple(found)


def entity(paper: Paper, name: str, label: str, aliases: tuple[str, ...] = (), key: str | None = None) -> Entity:
    """An entity with the mentions of its name and aliases in `paper` (fails if it is not in the text)."""
    mentions = tuple(m for s in (name, *aliases) for m in mentions_of(paper, s, label))
    assert mentions, f"{name!r} is not in {paper.id}"
    return Entity(key or canonical_key(name, label), name, label, aliases, mentions)


def extracted(paper: Paper, *entities: Entity, repositories=(), version: str = "test") -> ExtractedPaper:
    return ExtractedPaper(paper, tuple(entities), tuple(repositories), (), version)


def seed_paper(seed_files, title_start: str, paper_id: str | None = None) -> Paper:
    """The seed record whose title starts with `title_start`, as a Paper (title line + abstract line)."""
    for path in seed_files:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for title, abstract in zip(lines, lines[1:], strict=False):
            if title.startswith(title_start):
                return Paper(paper_id or f"test:{title_start}", title, abstract, source=str(path))
    raise LookupError(title_start)


def seed_extracted(seed_files) -> list[ExtractedPaper]:
    """The seed corpus read by the reading stage and extracted by the fast (rules-only) pipeline."""
    from kgbuild.extraction import extract_papers
    from kgbuild.reading import read_papers

    return list(extract_papers(read_papers(seed_files), mode="fast"))
