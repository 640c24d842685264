"""Reading stage: real seed dumps, every input format, identity, duplicates and broken files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import re
import sys
from pathlib import Path

import pytest

from kgbuild.errors import InputError
from kgbuild.reading import Problem, ReadReport, paper_id, read_papers
from kgbuild.records import Paper

ROOT = Path(__file__).resolve().parents[1]
SEED_000 = ROOT / "examples" / "000_3627315383b8ba53.txt"
SEED_001 = ROOT / "examples" / "001_326e8aa5f81e90d0.txt"
SHARED = ROOT.parent / "shared"


def read(paths, **options) -> tuple[list[Paper], ReadReport]:
    report = ReadReport()
    papers = list(read_papers(paths, report=report, **options))
    return papers, report


def seed_pairs(path: Path) -> list[tuple[str, str]]:
    """(title line, abstract line) pairs found without the reader's rules.

    In both seed files every abstract is one line of more than 400 characters and every other
    line is shorter than 250 (asserted below), so the abstracts are exactly the long lines and
    each title is the non-blank line just before one. This is how the expected counts are known.
    """
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert all(len(line) > 400 or len(line) < 250 for line in lines)
    return [(lines[i - 1], line) for i, line in enumerate(lines) if len(line) > 400]


# --- the two seed dumps -------------------------------------------------------------------------


def test_seed_counts_by_inspection() -> None:
    pairs_000, pairs_001 = seed_pairs(SEED_000), seed_pairs(SEED_001)
    assert (len(pairs_000), len(pairs_001)) == (68, 119)
    shared = {abstract for _, abstract in pairs_000} & {abstract for _, abstract in pairs_001}
    assert len(shared) == 11


@pytest.mark.parametrize(("path", "count"), [(SEED_000, 68), (SEED_001, 119)])
def test_seed_files_separately(path: Path, count: int) -> None:
    papers, report = read([path])
    assert len(papers) == count
    assert (report.read, report.skipped, report.merged, report.replaced) == (count, 0, 0, 0)
    assert [p.abstract for p in papers] == [abstract for _, abstract in seed_pairs(path)]
    assert all(p.source == str(path) and p.id.startswith("title:") for p in papers)
    assert not [p for p in report.problems if p.level == "error"]


def test_seed_titles_have_no_page_text() -> None:
    papers, _ = read([SEED_000, SEED_001])
    titles = {p.title for p in papers}
    assert "Visual Search Asymmetry: Deep Nets and Humans Share Similar Inherent Biases" in titles
    # 001 has "Subscribe" glued to its first title.
    assert "Encodings for Prediction-based Neural Architecture Search" in titles
    assert not [t for t in titles if t.startswith(("Subscribe", "new", "Daily Papers", "Get trending"))]
    first_000 = next(p for p in papers if p.source == str(SEED_000))
    assert first_000.line == 13  # the title line; lines 1-11 are page text


def test_seed_files_together_merge_shared_papers() -> None:
    papers, report = read([SEED_000, SEED_001])
    assert (report.read, report.merged, report.replaced, report.skipped) == (187, 11, 0, 0)
    assert len(papers) == report.papers == 176
    assert len({p.id for p in papers}) == 176
    assert report.summary() == "read 187 records from 2 files: 176 papers, 0 skipped, 11 merged, 0 replaced"
    # Reading the directory gives the same papers in the same order (files are sorted by name).
    same, _ = read([ROOT / "examples"])
    assert [p.id for p in same] == [p.id for p in papers]


# --- other days' dumps, written from real seed records ------------------------------------------


def _dump(pairs: list[tuple[str, str]], eol: str = "\n") -> str:
    (t1, a1), (t2, a2), (t3, a3), (t4, a4) = pairs[:4]
    lines = [
        "Get the trending papers in your inbox!", "Subscribe", "", "Daily Papers",
        "by AK and the research community", "Sep 12, 2024",
        f"Sep 12{t1}", "", a1, "42",  # a date glued to the title, an upvote count after the abstract
        t2, "Upvote 17", a2,  # a vote count between title and abstract
        t3, "Published on Sep 11", "", a3,
        f"new{t4}", a4,
        "Load more", "Company", "TOS",  # trailing page text
    ]
    return eol.join(lines)


def test_dump_of_another_day(tmp_path: Path) -> None:
    pairs = seed_pairs(SEED_001)[5:9]
    path = tmp_path / "2024-09-12.txt"
    path.write_text(_dump(pairs), encoding="utf-8")
    papers, report = read([path])
    assert [(p.title, p.abstract) for p in papers] == pairs
    assert report.skipped == 0
    notes = [p for p in report.problems if p.level == "note"]
    assert len(notes) == 1 and "3 short lines" in notes[0].message and "'Load more'" in notes[0].message


def test_dump_with_crlf_bom_and_no_blank_lines(tmp_path: Path) -> None:
    pairs = seed_pairs(SEED_000)[:4]
    path = tmp_path / "dump.txt"
    path.write_bytes(b"\xef\xbb\xbf" + _dump(pairs, eol="\r\n").replace("\r\n\r\n", "\r\n").encode())
    papers, _ = read([path])
    assert [(p.title, p.abstract) for p in papers] == pairs


def test_page_words_at_the_start_of_real_titles_are_kept(tmp_path: Path) -> None:
    abstract = seed_pairs(SEED_000)[0][1]
    titles = ["Newton Methods for Deep Nets", "NewsQA Revisited", "May the Force Be With You", "3D Gaussians"]
    path = tmp_path / "dump.txt"
    path.write_text("\n".join(f"{t}\n{abstract}" for t in titles), encoding="utf-8")
    papers, _ = read([path])
    assert [p.title for p in papers] == titles


def test_long_titles_and_two_paragraph_abstracts(tmp_path: Path) -> None:
    (t1, a1), (t2, a2), (t3, a3) = seed_pairs(SEED_001)[1:4]
    long_title = " ".join(["Scaling"] + ["Very Long Title Words"] * 17)  # 345 characters, no full stop
    second_paragraph = a2.rstrip(".")  # a paragraph without a final full stop, as after a URL
    path = tmp_path / "dump.txt"
    path.write_text("\n".join([t1, a1, long_title, a3, t2, a2, second_paragraph, t3, a3]), encoding="utf-8")
    papers, report = read([path])
    assert [(p.title, p.abstract) for p in papers] == [
        (t1, a1), (long_title, a3), (t2, f"{a2} {second_paragraph}"), (t3, a3)
    ]
    assert len(long_title) > 300 and report.problems == []


def test_text_starting_with_a_bracket_is_not_json(tmp_path: Path) -> None:
    title, abstract = seed_pairs(SEED_000)[0]
    path = tmp_path / "dump.txt"
    path.write_text(f"[Submitted on 4 Aug 2024]\n{{draft}}\n{title}\n{abstract}\n", encoding="utf-8")
    papers, _ = read([path])
    assert [(p.title, p.abstract) for p in papers] == [(title, abstract)]


def test_text_without_papers_is_a_file_problem(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\neggs\nmilk\n", encoding="utf-8")
    papers, report = read([path])
    assert papers == [] and report.file_errors == 1
    assert str(report.problems[-1]).startswith(f"{path}: no papers found")


# --- formats: round trips -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_papers() -> list[Paper]:
    papers, _ = read([SEED_000])
    return papers[:12]


def _rows(papers: list[Paper]) -> list[dict[str, str]]:
    rows = [{"title": p.title, "abstract": p.abstract} for p in papers]
    rows[0]["abstract"] = 'A "quoted", comma; and\nmultiline abstract\ttab that is long enough to be one.'
    rows[1]["arxiv_id"] = "2401.01234v2"
    return rows


def _check_round_trip(written: list[dict[str, str]], papers: list[Paper]) -> None:
    assert [p.title for p in papers] == [r["title"] for r in written]
    assert [p.abstract for p in papers] == [" ".join(r["abstract"].split()) for r in written]
    assert papers[1].id == "arxiv:2401.01234" and papers[1].extra["arxiv_id"] == "2401.01234"
    assert papers[2].id == paper_id(written[2]["title"], {})


@pytest.mark.parametrize("name", ["p.jsonl", "p.jsonl.gz", "p.ndjson", "p.json", "p.txt"])
def test_jsonl_round_trip(tmp_path: Path, seed_papers: list[Paper], name: str) -> None:
    rows = _rows(seed_papers)
    text = "".join(json.dumps(r) + "\n" for r in rows)
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    papers, report = read([path])
    _check_round_trip(rows, papers)
    assert [p.line for p in papers] == list(range(1, len(rows) + 1))
    assert not report.problems


@pytest.mark.parametrize(("name", "delimiter"), [("p.csv", ","), ("p.tsv", "\t"), ("p.csv.gz", ";"), ("p.txt", ",")])
def test_table_round_trip(tmp_path: Path, seed_papers: list[Paper], name: str, delimiter: str) -> None:
    rows = _rows(seed_papers)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, ["title", "abstract", "arxiv_id"], delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    papers, report = read([path])
    _check_round_trip(rows, papers)
    assert papers[1].line == 4  # header, then a record spanning lines 2-3 (a newline inside quotes)
    assert not report.problems


def test_json_array_is_read_with_a_note(tmp_path: Path, seed_papers: list[Paper]) -> None:
    rows = _rows(seed_papers)
    path = tmp_path / "array.jsonl"
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    papers, report = read([path], strict=True)
    _check_round_trip(rows, papers)
    assert [p.level for p in report.problems] == ["note"]
    assert "a JSON array, not JSON Lines" in report.problems[0].message
    assert papers[1].line == rows_start_line(path, 1)
    as_json = path.rename(tmp_path / "array.json")  # an array is what a .json file is expected to hold
    assert read([as_json])[1].problems == []


def rows_start_line(path: Path, index: int) -> int:
    """Line of the `index`-th element's opening brace in an indented JSON array."""
    starts = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == "{"]
    return starts[index]


def test_columns_matched_by_alias_case_and_option(tmp_path: Path, seed_papers: list[Paper]) -> None:
    paper = seed_papers[0]
    aliased = tmp_path / "aliased.csv"
    aliased.write_text(f'Paper_Title,Summary,Year\n"{paper.title}","{paper.abstract}",2021\n', encoding="utf-8")
    named = tmp_path / "named.tsv"
    named.write_text(f"Heading\tBody\n{paper.title}\t{paper.abstract}\n", encoding="utf-8")
    papers, _ = read([aliased])
    assert (papers[0].title, papers[0].abstract, papers[0].extra["year"]) == (paper.title, paper.abstract, 2021)
    papers, report = read([named])
    assert papers == [] and "no title column (columns: heading, body); name it with --title-column" in str(
        report.problems[0]
    )
    papers, _ = read([named], title_column="HEADING", abstract_column="body")
    assert papers[0].id == paper.id


def test_hugging_face_api_records_and_gold_style_extras(tmp_path: Path, seed_papers: list[Paper]) -> None:
    paper = seed_papers[0]
    path = tmp_path / "api.jsonl"
    records = [
        {"paper": {"id": "2310.01234", "title": paper.title, "summary": paper.abstract}, "numComments": 3},
        {"TITLE": seed_papers[1].title, "Abstract": seed_papers[1].abstract, "doc_id": "PMID:42",
         "entities": [{"name": "x", "type": "METHOD"}], "categories": "cs.LG stat.ML",
         "url": "https://doi.org/10.1000/ABC.def", "published": "2019-05-01T00:00:00Z"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    papers, report = read([path])
    assert not report.problems
    assert papers[0].id == "arxiv:2310.01234" and papers[0].abstract == paper.abstract
    assert papers[1].id == "doi:10.1000/abc.def"
    assert papers[1].extra == {
        "year": 2019, "doi": "10.1000/abc.def", "url": "https://doi.org/10.1000/ABC.def",
        "categories": ["cs.LG", "stat.ML"], "record_id": "PMID:42",
    }


# --- identity and duplicates --------------------------------------------------------------------


def test_paper_id_rules() -> None:
    assert paper_id("T", {"doi": "https://doi.org/10.1145/ABC.1"}) == "doi:10.1145/abc.1"
    assert paper_id("T", {"doi": "doi:10.1145/abc.1", "arxiv_id": "2401.00001"}) == "doi:10.1145/abc.1"
    assert paper_id("T", {"arxiv_id": "arXiv:2401.00001v3"}) == "arxiv:2401.00001"
    assert paper_id("T", {"arxiv_id": "hep-th/9901001v1"}) == "arxiv:hep-th/9901001"
    assert paper_id("T", {"doi": "10.48550/arXiv.2401.00001"}) == "arxiv:2401.00001"
    same = {paper_id(t, {}) for t in ("Café au Lait: a Study", "cafe au lait - A STUDY", " Café  au lait, a study.")}
    assert len(same) == 1 and same.pop().startswith("title:")
    assert paper_id("Cafe au lait", {}) != paper_id("Cafe au lait 2", {})
    assert len(paper_id("x", {})) == len("title:") + 16


def test_same_paper_from_different_formats_is_one_record(tmp_path: Path, seed_papers: list[Paper]) -> None:
    paper = seed_papers[3]
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(json.dumps({"id": "arXiv:2310.00001", "title": paper.title, "abstract": paper.abstract}))
    table = tmp_path / "b.csv"
    table.write_text(f'title,abstract,url\n"{paper.title}","{paper.abstract}",https://arxiv.org/abs/2310.00001v2\n')
    papers, report = read([jsonl, table])
    assert [p.id for p in papers] == ["arxiv:2310.00001"] and report.merged == 1


def test_changed_abstract_replaces_and_is_reported(tmp_path: Path, seed_papers: list[Paper]) -> None:
    first, second = seed_papers[0], seed_papers[1]
    path = tmp_path / "dup.jsonl"
    records = [
        {"title": first.title, "abstract": first.abstract},
        {"title": second.title, "abstract": second.abstract},
        {"title": first.title.upper(), "abstract": first.abstract},  # same id, different title text
        {"title": second.title, "abstract": second.abstract},  # identical: merged
    ]
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    papers, report = read([path], strict=True)
    assert [p.line for p in papers] == [1, 2, 3]
    assert papers[2].id == papers[0].id and papers[2].title == first.title.upper()
    assert (report.read, report.merged, report.replaced, report.papers) == (4, 1, 1, 2)
    note = report.problems[0]
    assert (note.level, note.line) == ("note", 3) and f"{path}:1" in note.message


# --- broken input -------------------------------------------------------------------------------


def _jsonl_lines(papers: list[Paper]) -> list[bytes]:
    return [json.dumps({"title": p.title, "abstract": p.abstract}).encode() + b"\n" for p in papers]


def test_bad_records_are_skipped_and_the_rest_is_read(tmp_path: Path, seed_papers: list[Paper]) -> None:
    good = _jsonl_lines(seed_papers[:5])
    bad = [
        b'{"title": "Unclosed", "abstract": "oops"\n',
        b'["a JSON array on one line"]\n',
        json.dumps({"title": "No abstract", "abstract": "  "}).encode() + b"\n",
        json.dumps({"title": "Huge", "abstract": "word " * 20_000}).encode() + b"\n",
        json.dumps({"title": ["a", "list"], "abstract": "text"}).encode() + b"\n",
        json.dumps({"name": "no title field", "abstract": "text"}).encode() + b"\n",
        b'{"title": "Latin-1 caf\xe9", "abstract": "bytes that are not UTF-8"}\n',
        json.dumps({"title": "Long line", "abstract": "x" * (1 << 20)}).encode() + b"\n",
        b'{"title": "NUL", "abstract": "binary\\u0000data"}\n',
    ]
    data = b"".join(line for pair in zip(good + [b""] * 4, bad, strict=True) for line in pair)
    path = tmp_path / "broken.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))  # a BOM and CRLF line ends too
    seen: list[Problem] = []
    papers, report = read([path], on_problem=seen.append)
    assert [p.abstract for p in papers] == [p.abstract for p in seed_papers[:5]]
    assert (report.read, report.skipped) == (14, 9)
    assert seen == report.problems and all(p.level == "error" and p.file == str(path) for p in seen)
    messages = {p.line: p.message for p in seen}
    assert messages[2].startswith("malformed JSON")
    assert messages[4] == "expected a JSON object, got list; record skipped"
    assert messages[6] == "empty abstract; record skipped"
    assert messages[8].startswith("abstract is 99,999 characters long (limit 30,000)")
    assert messages[10] == "title is list, not text; record skipped"
    assert messages[11].startswith("no title field")
    offset = data.replace(b"\n", b"\r\n").index(b"\xe9") + 3
    assert messages[12] == f"bytes that are not UTF-8 at byte offset {offset}; record skipped"
    assert messages[13].startswith("line is longer than 1,048,576 bytes")
    assert messages[14].startswith("abstract contains NUL")
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}:2: malformed JSON \([^)]*\)$"):
        read([path], strict=True)


def test_undecodable_bytes_can_be_replaced(tmp_path: Path, seed_papers: list[Paper]) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(_jsonl_lines(seed_papers[:1])[0] + b'{"title": "Caf\xe9", "abstract": "A latin-1 line."}\n')
    papers, report = read([path], encoding_errors="replace", strict=True)
    assert [p.title for p in papers] == [seed_papers[0].title, "Caf\ufffd"]
    assert report.skipped == 0 and report.problems[0].level == "note" and report.problems[0].line == 2


def test_truncated_gzip_keeps_what_came_before(tmp_path: Path, seed_papers: list[Paper]) -> None:
    all_papers, _ = read([SEED_001])
    lines = _jsonl_lines(all_papers)
    whole = gzip.compress(b"".join(lines))
    truncated = tmp_path / "a-truncated.jsonl.gz"
    truncated.write_bytes(whole[: len(whole) // 2])
    after = tmp_path / "b-after.jsonl"
    after.write_bytes(b"".join(_jsonl_lines(seed_papers[:3])))
    papers, report = read([truncated, after])
    from_truncated = [p for p in papers if p.source == str(truncated)]
    assert 0 < len(from_truncated) < len(all_papers)
    assert [p.abstract for p in from_truncated] == [p.abstract for p in all_papers[: len(from_truncated)]]
    assert [p.source for p in papers].count(str(after)) == 3
    assert report.file_errors == 1
    problem = next(p for p in report.problems if p.level == "error")
    assert problem.file == str(truncated) and problem.line >= len(from_truncated)
    assert "truncated or corrupt" in problem.message
    with pytest.raises(InputError, match="truncated or corrupt"):
        read([truncated], strict=True)


def test_a_directory_of_broken_files_never_raises(tmp_path: Path, seed_papers: list[Paper]) -> None:
    rng = random.Random(4)
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "garbage.jsonl").write_bytes(bytes(rng.randrange(256) for _ in range(5000)))
    (folder / "garbage-no-nul.txt").write_bytes(bytes(rng.randrange(128, 256) for _ in range(5000)))
    (folder / "image.csv.gz").write_bytes(b"\x1f\x8b\x08\x00not really gzip")
    (folder / "utf16.tsv").write_bytes("title\tabstract\n".encode("utf-16"))
    (folder / "empty.csv").write_bytes(b"")
    (folder / "empty.jsonl").write_bytes(b"\n\n")
    (folder / "no-abstract.csv").write_text("title,summary_of_results\nA,B\n")
    (folder / "ragged.csv").write_text(
        f'title,abstract\n"{seed_papers[0].title}","{seed_papers[0].abstract}"\nonly one field\n'
    )
    (folder / "good.jsonl").write_bytes(b"".join(_jsonl_lines(seed_papers[:2])))
    (folder / "README.md").write_text("not read: not a readable suffix")
    (folder / ".hidden.jsonl").write_text("{broken")
    papers, report = read([folder])
    assert [p.title for p in papers] == [p.title for p in seed_papers[:2]]
    assert report.files == 9 and report.merged == 1
    notes = [str(p) for p in report.problems if p.level == "note"]
    assert notes == [f"{folder / 'empty.jsonl'}: note: no records in this file"]
    by_file = {Path(p.file).name: p.message for p in report.problems if p.level == "error"}
    assert by_file["garbage.jsonl"].startswith("binary data, not text")
    assert by_file["image.csv.gz"].startswith("not a readable gzip file")
    assert by_file["utf16.tsv"] == "text is UTF-16; save it as UTF-8"
    assert by_file["empty.csv"] == "empty file"
    assert by_file["no-abstract.csv"].startswith("no abstract column (columns: title, summary_of_results)")
    assert by_file["ragged.csv"] == "row has 1 fields, the header has 2; record skipped"
    assert by_file["garbage-no-nul.txt"].startswith("binary data, not text (over 10%")


# --- paths --------------------------------------------------------------------------------------


def test_missing_paths_fail_before_reading(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.jsonl: no such file or directory"):
        read_papers([SEED_000, tmp_path / "nope.jsonl"])
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.md").write_text("x")
    with pytest.raises(InputError, match="directory has no readable files"):
        read_papers([tmp_path / "empty"])
    with pytest.raises(InputError, match="no file matches this pattern"):
        read_papers([str(tmp_path / "*.csv")])


def test_globs_and_stdin(monkeypatch: pytest.MonkeyPatch, seed_papers: list[Paper]) -> None:
    papers, _ = read([str(ROOT / "examples" / "00[01]_*.txt")])
    assert len(papers) == 176
    data = gzip.compress(b"".join(_jsonl_lines(seed_papers[:3])))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    papers, _ = read(["-"])
    assert [p.title for p in papers] == [p.title for p in seed_papers[:3]]
    assert {p.source for p in papers} == {"<stdin>"}


# --- shared data --------------------------------------------------------------------------------


def test_gold_files_read_as_input() -> None:
    files = [SHARED / "eval" / "dev_gold.jsonl", *sorted((SHARED / "eval-data").glob("*/train.jsonl"))]
    for path in files:
        lines = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        papers, report = read([path], strict=True)
        assert len(papers) == lines == report.read, path
        assert all("entities" not in p.extra for p in papers)


def test_corpus_file_streams_lazily() -> None:
    path = SHARED / "corpus" / "abstracts-neuro-00.jsonl.gz"
    stream = read_papers([path, SHARED / "corpus" / "abstracts-qbio-00.jsonl.gz"])
    first = next(iter(stream))
    assert first.id.startswith("arxiv:") and first.extra["arxiv_id"] in first.extra["record_id"]
    papers, report = read([path], strict=True)
    assert len(papers) == report.read == 5_609  # the corpus README's count for this file
