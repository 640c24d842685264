"""Doc extensions shared by the components, registered once.

`doc.text` rebuilds the string from every token on each call, which was the largest cost of the
fast pipeline; `doc_text` returns the string the Doc was made from (kept by `make_doc`) instead.
"""

from __future__ import annotations

from spacy.tokens import Doc

EXTENSIONS = ("kg_text", "kg_title_len", "kg_abstract_start", "kg_links", "kg_abbreviations", "kg_pairs",
              "kg_entities")
for _name in EXTENSIONS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def doc_text(doc: Doc) -> str:
    """The Doc's text, without rebuilding it from tokens when the source string is known."""
    text = doc._.kg_text
    return doc.text if text is None else text
