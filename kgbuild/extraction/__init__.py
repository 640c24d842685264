"""Extraction: a spaCy pipeline (registered components + config.cfg) from Papers to ExtractedPapers."""

from .canonical import canonical_key
from .code_links import find_links
from .evaluation import evaluate, prediction_record
from .pipeline import EXTRACTION_VERSION, MODES, ExtractionError, extract_papers, load_pipeline

__all__ = [
    "EXTRACTION_VERSION",
    "MODES",
    "ExtractionError",
    "canonical_key",
    "evaluate",
    "extract_papers",
    "find_links",
    "load_pipeline",
    "prediction_record",
]
