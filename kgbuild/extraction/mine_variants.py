"""Mine named variants of curated techniques from unlabelled abstracts: "sequential importance sampling".

    python -m kgbuild.extraction.mine_variants [--corpus ../shared/corpus] [--out data/mined_variants.tsv]

Why: the curated lexicon lists "importance sampling" and "compressed sensing", and a text that says
"sequential importance sampling" or "one-bit compressed sensing" names a more specific technique; matching
only the curated words cuts that name short. A lower-case word written before a curated technique or model
name in many independent abstracts makes a variant a field uses ("deep reinforcement learning", "ordinary
least squares", "agglomerative hierarchical clustering"), not a description one paper made up.

Precision filter (`select`, applied by `build_lexicons`): the variant is written in at least `MIN_DOCS`
abstracts, its first word is no function word, verb or judgement (`NOT_MODIFIERS`: "standard", "novel",
"using") nor an adverb, it is no "deep" model (a deep CNN is a CNN), and no single word precedes it in
more than half of those abstracts (then it is the tail of a longer name: "sorting genetic algorithm" of
"non-dominated sorting genetic algorithm"). The output (`variant<TAB>abstracts<TAB>base name<TAB>share of
the commonest word before it`) keeps every variant written in two abstracts, so the filter can change
without mining again. The corpus takes about four minutes.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .mine_datasets import evaluation_titles, read_corpus, tsv_rows, write_tsv
from .training.paths import SHARED

DATA = Path(__file__).parent / "data"
MINED = DATA / "mined_variants.tsv"
BASE_LISTS = {"methods.txt": "METHOD", "models.txt": "MODEL"}
MIN_DOCS = 8
MAX_LEFT_SHARE = 0.5
# First words that make no variant: function words, verbs around a name, and judgements of it.
NOT_MODIFIERS = frozenset([
    "a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "with", "by", "from", "as", "at", "is", "are",
    "was", "were", "be", "been", "being", "this", "that", "these", "those", "our", "their", "its", "his", "her",
    "we", "they", "it", "which", "than", "more", "most", "less", "both", "each", "every", "into", "over", "under",
    "between", "through", "via", "without", "within", "such", "other", "another", "any", "some", "all", "many",
    "several", "various", "different", "same", "similar", "also", "then", "thus", "use", "uses", "used", "using",
    "apply", "applies", "applied", "applying", "employ", "employs", "employed", "employing", "perform", "performs",
    "performing", "performed", "adopt", "adopts", "adopted", "adopting", "leverage", "leverages", "leveraging",
    "combine", "combines", "combining", "combined", "achieve", "achieves", "achieving", "introduce", "introduces",
    "introduced", "propose", "proposes", "proposed", "present", "presents", "called", "named", "termed", "including",
    "include", "includes", "like", "versus", "namely", "based", "study", "studies", "studied", "compare", "compared",
    "standard", "classical", "classic", "conventional", "traditional", "simple", "novel", "new", "existing",
    "efficient", "fast", "robust", "popular", "well-known", "known", "typical", "usual", "general", "modified",
    "improved", "original", "basic", "vanilla", "naive", "full", "recent", "modern", "powerful", "effective",
    "scalable", "accurate", "large-scale", "small-scale", "state-of-the-art", "common", "widely", "commonly",
    "alternative", "corresponding", "respective", "resulting", "underlying", "specific", "particular", "certain",
    "entire", "whole", "single", "first", "second", "third", "final", "previous", "prior", "current", "future",
    "related", "extended", "enhanced", "advanced", "simplified", "practical", "famous", "well", "generic", "given",
    "good", "better", "best", "high", "low", "large", "small", "extensive", "preserve", "preserves", "preserving",
    "pre-trained", "pretrained", "trained"
])
_WORD = r"[a-z][a-z-]*[a-z]"


@lru_cache(maxsize=1)
def bases() -> dict[str, str]:
    """name -> label of the curated lower-case technique and model names a variant can grow from."""
    found = {}
    for filename, label in BASE_LISTS.items():
        for line in (DATA / "curated" / filename).read_text(encoding="utf-8").splitlines():
            name = line.strip()
            if len(name) >= 6 and re.fullmatch(r"[a-z][a-z -]*[a-z]", name):
                found.setdefault(name, label)
    return found


def mine(records: Iterable[tuple[str, str]], names: list[str], min_docs: int = 2) -> list[tuple[str, int, str, float]]:
    """(variant, abstracts, base, share of its commonest left word) of every variant in `min_docs` abstracts."""
    pattern = re.compile(r"(?<![\w-])(?:(?P<left>" + _WORD + r") )?(?P<mod>" + _WORD + r") (?P<base>"
                         + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])")
    docs: dict[tuple[str, str], int] = defaultdict(int)
    left: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for title, abstract in records:
        seen: dict[tuple[str, str], str] = {}
        for match in pattern.finditer(f"{title}\n{abstract}"):
            key = (f"{match['mod']} {match['base']}", match["base"])
            seen.setdefault(key, match["left"] or "")
        for key, word in seen.items():
            docs[key] += 1
            left[key][word] += 1
    rows = []
    for (variant, base), count in docs.items():
        if count >= min_docs:
            word, times = max(((w, c) for w, c in left[(variant, base)].items() if w), key=lambda wc: wc[1],
                              default=("", 0))
            rows.append((variant, count, base, round(times / count, 3)))
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def read_mined(path: Path = MINED) -> list[tuple[str, int, str, float]]:
    return [(v, int(n), base, float(share)) for v, n, base, share in tsv_rows(path)]


def select(rows: Iterable[tuple[str, int, str, float]], min_docs: int = MIN_DOCS) -> list[tuple[str, str]]:
    """(variant, base) of the mined variants that pass the precision filter."""
    kept = []
    for variant, count, base, share in rows:
        modifier = variant.split(" ", 1)[0]
        if count < min_docs or share > MAX_LEFT_SHARE or modifier in NOT_MODIFIERS or modifier.endswith("ly"):
            continue
        if modifier == "deep" and bases().get(base) == "MODEL":
            continue  # a deep CNN is a CNN: one node; "deep reinforcement learning" names a technique of its own
        kept.append((variant, base))
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=MINED)
    args = parser.parse_args()
    rows = mine(read_corpus(args.corpus, evaluation_titles(args.shared)), list(bases()))
    write_tsv(args.out, "python -m kgbuild.extraction.mine_variants: variant, abstracts, base name, share of the "
              "commonest word before it", rows)
    print(f"wrote {len(rows)} variants to {args.out}; {len(select(rows))} pass the filter")


if __name__ == "__main__":
    main()
