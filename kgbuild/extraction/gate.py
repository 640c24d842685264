"""Gate: run a costly component only on texts that can hold what it finds.

The brain-region NER costs as much as the rest of the accurate pipeline together, yet over 95% of
machine-learning abstracts contain no anatomical word at all; on those it can only produce false
alarms (it was trained with such abstracts as negatives). `kgbuild_gate` wraps a component already in
the pipeline (which is then disabled) and calls it only on Docs whose text matches the gate's cue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from .docs import doc_text

REGION_WORDS = re.compile(
    r"brain|cortex|cortic|hippocamp|thalam|cerebell|amygdal|striat|nucleus|nuclei|gyrus|gyri|sulcus|"
    r"lobe|retina|spinal|cerebr|pallid|collicul|insula|tegment|callos|ventricle|medulla|olfact|cranial|"
    r"nerve|cochlea|vestibul|ganglion|ganglia|\boptic\b|\bears?\b|bulb|septum|olivar|trigemin|horn|"
    r"enceph|tectum|fovea|pineal|hypoglossal|coeruleus|\bCA[1-4]\b|\bV[1-5]\b|\bMT\b",
    re.IGNORECASE,
)
"""Anatomical vocabulary: a text without any of it has no brain region to find ("neural network" passes)."""
CUES = {"brain_regions": REGION_WORDS}


@Language.factory("kgbuild_gate", default_config={"component": "", "cue": "brain_regions"})
def make_gate(nlp: Language, name: str, component: str, cue: str) -> Gate:
    return Gate(name, nlp.get_pipe(component), CUES[cue])


class Gate:
    """Calls `inner` on the Docs whose text matches `cue`; passes the others through untouched."""

    def __init__(self, name: str, inner, cue: re.Pattern[str]) -> None:
        self.name = name
        self.inner = inner
        self.cue = cue

    def __call__(self, doc: Doc) -> Doc:
        return self.inner(doc) if self.cue.search(doc_text(doc)) else doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for batch in minibatch(docs, batch_size):
            chosen = [doc for doc in batch if self.cue.search(doc_text(doc))]
            if chosen:
                for _ in self.inner.pipe(chosen, batch_size=batch_size):
                    pass  # annotates the Docs in place
            yield from batch
