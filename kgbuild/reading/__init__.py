"""Reading: files of abstracts in, `Paper` records out. The only place that knows file formats."""

from kgbuild.reading.identity import paper_id
from kgbuild.reading.reader import read_papers
from kgbuild.reading.report import Problem, ReadReport

__all__ = ["Problem", "ReadReport", "paper_id", "read_papers"]
