"""Extensions after resolution: names that the chosen entities make out of their neighbours.

Rules applied by `kgbuild_resolve` once the spans are chosen and abbreviations are settled:

- list types: names only the trained NER typed take the type that the lexicons and shapes give the
  list they stand in, else the list's majority type ("ReLU, ELU, SELU"): a list holds one kind of thing;
- coordination: a code-like word joined by "and"/"or"/"," to a chosen dataset or model has its type
  too ("on CIFAR-10, Foo-5K and BarQA", "S4, S5 and Zorb-2"); methods anchor nothing, because acronyms
  beside a method are as often what it is applied to ("a method for MCI and SCD classification");
- qualified datasets: a chosen dataset grows rightwards over task or split words and a singular head ("the
  COCO detection benchmark", "the WSJ test set", "the LSUN bedroom dataset"), because that whole phrase
  names the dataset (the canonical stage joins it to the bare name: `canonical.dataset_core`);
- parts of regions: a chosen region grows leftwards over "of (the)", a part word and the position words
  before it ("the rostral and caudal parts of the X nucleus", "shell of the Y"), because a positioned
  part of a structure is a structure of its own.

Coordination, qualified datasets and parts of regions only take tokens that no other entity holds (`taken`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from spacy.tokens import Doc

from .canonical import DATASET_QUALIFIERS, QUALIFIED_HEADS

PLAIN_HEADS = {"dataset", "benchmark", "corpus", "database"}
"""Heads a dataset's name takes without task words ("the LSUN bedroom dataset"); a split word must come
before "set" ("test set"), a task before "challenge"."""

CONJUNCTIONS = {"and", "or", ",", "/"}
_STOPS = {",", ".", ";", ":", "(", ")", "[", "]", "/"}
POSITION = re.compile(r"^(?:(?:dorso|ventro|rostro|caudo|medio|latero|antero|postero|supero|infero)?(?:dorsal|"
                      r"ventral|medial|lateral|rostral|caudal|anterior|posterior|superior|inferior)|central|"
                      r"intermediate|middle|upper|lower|inner|outer|deep|superficial|external|internal|"
                      r"vertical|horizontal|\w+cellular|(?:dorso|ventro|rostro|caudo|medio|latero|antero|"
                      r"postero)\w+)$")
PART_WORDS = {"part", "parts", "portion", "portions", "division", "divisions", "subdivision", "subdivisions",
              "zone", "zones", "sector", "sectors", "segment", "segments", "half", "halves", "third", "thirds",
              "edge", "tier", "subnucleus", "subnuclei", "aspect", "wall", "lip", "pole", "column", "columns",
              "region", "regions", "subregion", "subregions"}
"""Part words that make a region only with a position before them ("lateral part of")."""
BARE_PARTS = {"fundus", "shell", "core", "bank", "banks", "horn", "horns", "limb", "limbs"}
"""Part words that are anatomical on their own ("fundus of the X sulcus")."""


def _word_at(doc: Doc, i: int, step: int) -> tuple[int, int]:
    """Token range of the whitespace-free word that has token `i` at its edge facing the walk ("Foo-5K")."""
    a = b = i
    while step > 0 and b + 1 < len(doc) and not doc[b].whitespace_ and doc[b + 1].text not in _STOPS:
        b += 1
    while step < 0 and a - 1 >= 0 and not doc[a - 1].whitespace_ and doc[a - 1].text not in _STOPS:
        a -= 1
    return a, b + 1


def coordinated(doc: Doc, anchors: Iterable[tuple[int, int]], taken: list[bool],
                is_name: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Token ranges of the words coordinated with each anchor span, walking outwards over "and"/"or"/",".

    A walk stops at the first word that is taken or that `is_name` rejects; each word found is marked
    taken, so the walk can go on from it ("A, B and C").
    """
    found = []
    for start, end in anchors:
        for step, edge in ((-1, start), (1, end - 1)):
            i = edge + step
            while 0 <= i + step < len(doc) and doc[i].text in CONJUNCTIONS:
                j = i + step
                if doc[j].text in CONJUNCTIONS and 0 <= j + step < len(doc):  # ", and"
                    j += step
                if doc[j].text in _STOPS:
                    break
                a, b = _word_at(doc, j, step)
                if any(taken[a:b]) or not is_name(doc[a:b].text) or _name_goes_on(doc, a, b, step):
                    break
                found.append((a, b))
                for k in range(a, b):
                    taken[k] = True
                i = (a if step < 0 else b - 1) + step
    return found


def list_neighbours(doc: Doc, spans: list[tuple[int, int]]) -> list[list[int]]:
    """Lists among `spans` (sorted by start): groups of indexes of spans that stand side by side with
    only "," / "and" / "or" / ", and" between them ("ReLU, GELU and Swish"), joined by "and"/"or" or at
    least three long. A short form in brackets after its long form stands in the same place ("NB201,
    Network Design Spaces (NDS), and X")."""
    groups: list[list[int]] = []
    joined: list[bool] = []  # whether an "and"/"or" joins the group: "On ImageNet, X wins" is no list
    for i in range(len(spans) - 1):
        between = [t.lower_ for t in doc[spans[i][1]:spans[i + 1][0]]]
        if between and between[0] == ")":
            between = between[1:]
        if between == ["("] or 1 <= len(between) <= 2 and all(w in CONJUNCTIONS for w in between):
            if groups and groups[-1][-1] == i:
                groups[-1].append(i + 1)
            else:
                groups.append([i, i + 1])
                joined.append(False)
            joined[-1] = joined[-1] or "and" in between or "or" in between
    return [group for group, conj in zip(groups, joined, strict=True) if conj or len(group) >= 3]


def _name_goes_on(doc: Doc, a: int, b: int, step: int) -> bool:
    """Whether the word a:b is only the edge of a longer name ("MIT" of "ImageNet, MIT Places")."""
    k = b if step > 0 else a - 1
    if not 0 <= k < len(doc):
        return False
    word = doc[k]
    return word.is_alpha and word.text[0].isupper() and not word.is_stop and not word.is_sent_start


def part_start(doc: Doc, start: int, taken: list[bool]) -> int | None:
    """New start for a region beginning at token `start` when a positioned part word comes before it."""
    i = start - 1
    if i >= 0 and doc[i].lower_ == "the":
        i -= 1
    if i < 1 or doc[i].lower_ != "of" or taken[i - 1]:
        return None
    part = doc[i - 1].lower_
    if part not in PART_WORDS and part not in BARE_PARTS:
        return None
    first = k = i - 1
    while k - 1 >= 0 and not taken[k - 1] and (POSITION.match(doc[k - 1].lower_)
                                                or doc[k - 1].lower_ in {"and", "or", ",", "-"}):
        k -= 1
        if POSITION.match(doc[k].lower_):
            first = k
    if first == i - 1 and part not in BARE_PARTS:
        return None
    return first


def qualified_end(doc: Doc, end: int, taken: list[bool]) -> int | None:
    """New end for a dataset ending before token `end` when up to three task or split words and a singular
    dataset head follow it ("dataset", "detection benchmark", "object tracking dataset", "test set")."""
    k = end
    while k < len(doc) and k - end < 3 and not taken[k] and doc[k].text in DATASET_QUALIFIERS:
        k += 1
    if k >= len(doc) or taken[k] or doc[k].text not in (QUALIFIED_HEADS if k > end else PLAIN_HEADS):
        return None
    return k + 1
