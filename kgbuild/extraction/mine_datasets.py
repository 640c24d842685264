"""Mine dataset names from unlabelled abstracts by distant supervision (regexes only, no spaCy).

    python -m kgbuild.extraction.mine_datasets [--corpus ../shared/corpus] [--out data/mined_datasets.tsv]

Why: most SciREX misses were dataset names that no curated list or training document had seen
("Market-1501", "T-LESS"). Papers announce them in a few telling contexts, so a name-shaped string
seen there in enough different abstracts is very likely a dataset:

- before a dataset head: "on the Market-1501 dataset", "the KITTI stereo benchmark";
- in a list after a plural head: "datasets such as MNIST, SVHN and CIFAR-10";
- in a coordination before a plural head: "on the LFW and YTF datasets";
- in a coordination right after a counted plural head: "on two datasets, Yelp and Douban".

Precision filter (`select`, applied by `build_lexicons`): a name is kept only when it is seen in a
strong context in at least `MIN_DOCS` abstracts and in at least `MIN_RATIO` of all abstracts that
contain it (case-sensitive, whole words). Names that are mostly something else ("Twitter", "QA",
"Berlin") fail the ratio. The mining output keeps every candidate seen in context twice, with its
counts, so the thresholds can be changed without mining again.

Abstracts whose title is also a title in the evaluation files (`eval-data/*/*.jsonl`,
`eval/dev_gold.jsonl`; titles only are read) are skipped, so no evaluated text feeds the lexicon.
The output (`name<TAB>context docs<TAB>all docs`, sorted) is committed; `build_lexicons` reads it.
The full corpus takes about 90 s on one core.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from .training.convert import read_jsonl
from .training.paths import SHARED

DATA = Path(__file__).parent / "data"
MINED = DATA / "mined_datasets.tsv"
MIN_DOCS = 2
MIN_RATIO = 0.25

# A name word: starts with a capital or a digit, or is a code word with a capital inside ("bAbI").
_WORD = r"(?:[A-Z0-9][\w+]*(?:[.'’/-][\w+]+)*|[a-z]+[A-Z][\w+]*(?:-[\w+]+)*)"
_NAME = _WORD + r"(?: " + _WORD + r"){0,3}"
_HEAD = r"(?:data ?sets?|benchmarks?|corpus|corpora|databases?|treebanks?|challenges?|suites?)"
# singular only: "Legal Challenges" is not a name
_HEAD_CAP = r"(?:Data ?set|Benchmark|Corpus|Database|Treebank|Challenge|Suite)"
# "on the KITTI dataset", "the COCO detection benchmark": up to two lower-case task words before the head
BEFORE_HEAD = re.compile(r"(?<![\w.-])(?P<name>" + _NAME + r")(?: [a-z][a-z-]+){0,2} " + _HEAD + r"\b")
# "Penn Treebank", "Natural Scenes Dataset": a capitalised head is part of the name
TITLED = re.compile(r"(?<![\w.-])(?P<name>" + _NAME + r" " + _HEAD_CAP + r")\b")
# "datasets such as MNIST, SVHN, and CIFAR-10" / "benchmarks (Omniglot and miniImageNet)"
_LIST = r"(?P<list>" + _NAME + r"(?:, " + _NAME + r")*(?:,? (?:and|or) " + _NAME + r")?)"
AFTER_PLURAL = re.compile(r"\b(?:data ?sets|benchmarks|corpora|databases)(?:,? (?:such as|including|like|namely|"
                          r"e\.g\.,?|i\.e\.,?)|:| \() " + _LIST)
# "experiments on MNIST, SVHN and CIFAR-10 show": two or more names evaluated on
EVALUATED_ON = re.compile(r"\b(?:experiments|evaluat\w+|results|tested|tests|benchmarked|performance|accuracy|"
                          r"errors?)(?: [a-z]+){0,3} on (?:the )?(?P<list>" + _NAME + r"(?:, " + _NAME
                          + r")*,? (?:and|or) " + _NAME + r")(?=[,.;:)]| [a-z])")
# "on two public datasets, Yelp and Douban, show": a counted plural head right before a coordination
COUNTED_PLURAL = re.compile(r"\b(?:two|three|four|five|six|seven|eight|several|multiple|\d)(?: [\w-]+){0,3} "
                            r"(?:data ?sets|benchmarks|corpora|databases),? (?P<list>" + _NAME + r"(?:, " + _NAME
                            + r")*,? (?:and|or) " + _NAME + r")(?=[,.;:)]| [a-z])")
# "on the LFW and YTF datasets", "on MNIST, CIFAR-10, and SVHN benchmarks"
BEFORE_PLURAL = re.compile(r"(?<![\w.-])(?P<list>" + _NAME + r"(?:, " + _NAME + r")*,? (?:and|or) " + _NAME
                           + r") (?:data ?sets|benchmarks|corpora|databases)\b")
LIST_CONTEXTS = (AFTER_PLURAL, BEFORE_PLURAL, EVALUATED_ON, COUNTED_PLURAL)
_SPLIT_LIST = re.compile(r",? (?:and|or) |, ")

# Capitalised words that start a sentence or describe data, never a name on their own.
STOP = {
    "the", "a", "an", "our", "this", "these", "those", "that", "its", "their", "we", "in", "on", "for", "of",
    "with", "from", "to", "by", "as", "at", "using", "both", "all", "two", "three", "four", "five", "several",
    "many", "each", "new", "large", "small", "public", "publicly", "real", "synthetic", "standard", "benchmark",
    "dataset", "datasets", "data", "corpus", "and", "or", "it", "is", "are", "one", "other", "such", "most",
    "various", "different", "multiple", "existing", "popular", "challenging", "extensive", "experiments",
    "experimental", "results", "evaluation", "finally", "moreover", "furthermore", "however", "also", "then",
    "further", "specifically", "particularly", "especially", "additionally", "here", "there", "which", "when",
    "while", "where", "first", "second", "third", "any", "some", "no", "not", "more", "open", "novel", "big",
    "image", "images", "video", "text", "speech", "english", "chinese", "german", "french", "japanese", "arabic",
    "spanish", "hindi", "russian", "korean", "italian", "dutch", "portuguese", "turkish", "persian", "urdu",
    "bengali", "vietnamese", "indonesian", "multilingual", "bilingual", "monolingual", "human", "medical",
    "clinical", "world", "global", "national", "international", "training", "test", "testing", "validation",
    "web", "online", "social", "simulated", "annotated", "labeled", "labelled", "unlabeled", "unlabelled",
    "what", "how", "why", "given", "proposed", "well-known", "widely", "used", "commonly", "three-dimensional",
    "2d", "3d", "4d",
    "rgb", "rgb-d", "ct", "mri", "fmri", "eeg", "ecg", "x-ray", "covid-19", "twitter", "wikipedia", "reddit",
    "facebook", "youtube", "google", "github", "amazon", "microsoft", "i", "ii", "iii", "iv", "v", "vi",
}
_HEADWORDS = {"challenge", "challenges", "database", "databases", "suite", "treebank", "data set", "set"}
# not data: database systems ("MySQL", "Neo4j" databases), descriptions ("Wikipedia-based", "ISIS-related"),
# possessives ("Walshaw's")
_NOT_DATA = re.compile(r"(?:SQL|DB|4j|OLTP|OLAP|-[a-z]{4,}|['’]s)$")
_HAS_UPPER_OR_DIGIT = re.compile(r"[A-Z]")
_MONTHS = re.compile(r"^(?:January|February|March|April|May|June|July|August|September|October|November|"
                     r"December)\b")


def name_ok(name: str) -> bool:
    """Name-shaped and not a stop word, a bare number, a year or a sentence-initial ordinary word."""
    words = name.split()
    if not _HAS_UPPER_OR_DIGIT.search(name) or not any(c.isalpha() for c in name) or len(name) < 2:
        return False
    if words[0].lower() in STOP or words[-1].lower() in STOP or _MONTHS.match(name) or _NOT_DATA.search(name):
        return False
    return not all(w.lower() in STOP or w.lower() in _HEADWORDS or w.isdigit() for w in words)


def names_in_context(text: str, title: str = "") -> set[str]:
    """Name-shaped strings that an abstract (`text`, and its `title`) puts in a dataset context.

    Title Case heads count in the abstract only: every word of a title is capitalised.
    """
    found: set[str] = set()
    for match in BEFORE_HEAD.finditer(f"{title}. {text}" if title else text):
        found.add(_trim(match.group("name")))
    for match in TITLED.finditer(text):
        found.add(_trim(match.group("name")))
    for regex in LIST_CONTEXTS:
        for match in regex.finditer(text):
            found.update(_trim(part) for part in _SPLIT_LIST.split(match.group("list")))
    return {name for name in found if name and name_ok(name)}


def listed_names(text: str) -> Iterator[tuple[int, int]]:
    """Character ranges of the names in dataset lists of one text ("the LFW and YTF datasets",
    "datasets such as MNIST and SVHN"): the same contexts as the mining, for names no lexicon knows."""
    for regex in LIST_CONTEXTS:
        for match in regex.finditer(text):
            start = match.start("list")
            for part in re.finditer(r"[^,]+", match.group("list")):
                for item in re.split(r"^(?: ?(?:and|or) )|,? (?:and|or) ", part.group()):
                    name = _trim(item.strip())
                    if name and name_ok(name):
                        at = text.find(name, start + part.start())
                        if at >= 0:
                            yield at, at + len(name)


def _trim(name: str) -> str:
    """Drop leading sentence words ("We", "The") so "The KITTI" counts as "KITTI"."""
    words = name.split()
    while words and words[0].lower() in STOP:
        words = words[1:]
    return " ".join(words).strip(".'’")


def _normal_title(title: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", title.lower()).split())


def evaluation_titles(shared: Path) -> set[str]:
    """Titles (only) of every evaluation document, so that those abstracts are not mined."""
    titles = set()
    for path in [*sorted((shared / "eval-data").glob("*/*.jsonl")), shared / "eval" / "dev_gold.jsonl"]:
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    titles.add(_normal_title(json.loads(line)["title"]))
    return titles


def read_corpus(corpus: Path, skip_titles: set[str]) -> Iterator[tuple[str, str]]:
    """(title, abstract) of every corpus record whose title is not an evaluation title."""
    for path in sorted(corpus.glob("*.jsonl.gz")):
        for record in read_jsonl(path):
            if _normal_title(record["title"]) not in skip_titles:
                yield " ".join(record["title"].split()), " ".join(record["abstract"].split())


_EDGE = "()[]{},;:\"'“”‘’.!?"


def ngrams(text: str, longest: int = 4) -> set[str]:
    """Every run of 1..`longest` whitespace words, edge punctuation stripped, not across punctuation."""
    words: list[tuple[str, bool]] = []  # (word, punctuation after it)
    for chunk in text.split():
        word = chunk.strip(_EDGE)
        if word:
            words.append((word, chunk.rstrip(_EDGE) != chunk))
    found = set()
    for i in range(len(words)):
        if not any(c.isupper() or c.isdigit() for c in words[i][0]):
            continue  # every name's first word has a capital or a digit
        parts = []
        for word, broken in words[i:i + longest]:
            parts.append(word)
            found.add(" ".join(parts))
            if broken:
                break
    return found


def mine(records: Iterable[tuple[str, str]], min_docs: int = 2,
         min_ratio: float = 0.0) -> list[tuple[str, int, int]]:
    """(name, context docs, all docs) for names seen in context in `min_docs` abstracts, sorted by name.

    `records` are (title, abstract) pairs.
    """
    records = list(records)
    context: Counter[str] = Counter()
    for title, abstract in records:
        context.update(names_in_context(abstract, title))
    candidates = [name for name, n in context.items() if n >= min_docs]
    if not candidates:
        return []
    wanted = set(candidates)
    occurs: Counter[str] = Counter()
    for title, abstract in records:  # a name counts once per abstract, case-sensitively, as whole words
        occurs.update((ngrams(title) | ngrams(abstract)) & wanted)
    kept = [(name, context[name], max(occurs[name], context[name])) for name in candidates]
    return sorted((row for row in kept if row[1] >= min_ratio * row[2]), key=lambda r: (r[0].lower(), r[0]))


def tsv_rows(path: Path) -> list[list[str]]:
    """Tab-separated fields of each line of a committed mining output, "#" comment lines skipped."""
    if not path.is_file():
        return []
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]


def write_tsv(path: Path, comment: str, rows: Iterable[Iterable[object]]) -> None:
    """A mining output: one "#" comment line (the command and the columns), then tab-separated rows."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(f"# {comment}\n")
        for row in rows:
            handle.write("\t".join(str(field) for field in row) + "\n")


def read_mined(path: Path = MINED) -> list[tuple[str, int, int]]:
    """(name, context docs, all docs) rows of the committed mining output."""
    return [(name, int(in_context), int(total)) for name, in_context, total in tsv_rows(path)]


def select(rows: Iterable[tuple[str, int, int]], min_docs: int = MIN_DOCS, min_ratio: float = MIN_RATIO) -> list[str]:
    """The precision filter: names seen in a dataset context often enough, absolutely and relatively."""
    return [name for name, in_context, total in rows if in_context >= min_docs and in_context >= min_ratio * total]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--out", type=Path, default=MINED)
    parser.add_argument("--min-docs", type=int, default=2, help="candidates kept in the output (not the filter)")
    args = parser.parse_args()
    rows = mine(read_corpus(args.corpus, evaluation_titles(args.shared)), args.min_docs)
    write_tsv(args.out, f"python -m kgbuild.extraction.mine_datasets --min-docs {args.min_docs}: name, abstracts "
              "with a dataset context, abstracts with the name", rows)
    print(f"wrote {len(rows)} candidates to {args.out}; {len(select(rows))} pass the precision filter")


if __name__ == "__main__":
    main()
