"""What reading found besides papers: counts for the summary line and one message per problem."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_KEPT_PROBLEMS = 10_000
"""A huge broken file must not fill memory with messages."""


@dataclass(frozen=True)
class Problem:
    """One message about one place in one file.

    `level` is "error" when a record or the rest of a file was skipped (fatal in strict mode),
    "note" when nothing was lost (a replaced duplicate, a JSON array read as records, bytes replaced).
    """

    file: str
    line: int
    message: str
    level: str = "error"

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        prefix = "" if self.level == "error" else f"{self.level}: "
        return f"{place}: {prefix}{self.message}"


@dataclass
class ReadReport:
    """Counts kept while `read_papers` streams; complete once the iterator is exhausted.

    `read` counts every record found, good or bad; `papers` is how many distinct papers came out.
    """

    files: int = 0
    read: int = 0
    skipped: int = 0
    merged: int = 0
    replaced: int = 0
    file_errors: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_not_kept: int = 0

    def add(self, problem: Problem) -> None:
        """Keep the first MAX_KEPT_PROBLEMS problems; count the rest (`on_problem` still sees all)."""
        if len(self.problems) < MAX_KEPT_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_not_kept += 1

    @property
    def papers(self) -> int:
        return self.read - self.skipped - self.merged - self.replaced

    def summary(self) -> str:
        """One line for the end of a run."""
        text = (
            f"read {_count(self.read, 'record')} from {_count(self.files, 'file')}: "
            f"{_count(self.papers, 'paper')}, {self.skipped} skipped, {self.merged} merged, "
            f"{self.replaced} replaced"
        )
        if self.file_errors:
            text += f", {_count(self.file_errors, 'file error')}"
        return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
