"""Paper identity and the optional fields kept in `Paper.extra`.

A paper's id must come out the same from any file it appears in, so it is derived from what the
record says about the paper (DOI, arXiv id, title), never from where the record was found.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

_ARXIV_BODY = r"(\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})"
_ARXIV_ID = re.compile(rf"^(?:arxiv:\s*)?{_ARXIV_BODY}(?:v\d+)?$", re.IGNORECASE)
_ARXIV_URL = re.compile(rf"arxiv\.org/(?:abs|pdf|html)/{_ARXIV_BODY}(?:v\d+)?", re.IGNORECASE)
_ARXIV_DOI = re.compile(rf"^10\.48550/arxiv\.{_ARXIV_BODY}(?:v\d+)?$", re.IGNORECASE)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")

# Record keys, normalised by `normalise_key`, in order of preference.
DOI_KEYS = ("doi", "paper_doi", "article_doi")
ARXIV_KEYS = ("arxiv_id", "arxiv", "arxivid", "arxiv_identifier", "eprint")
RECORD_ID_KEYS = ("id", "doc_id", "paper_id", "pmid", "pubmed_id", "corpus_id", "uid", "key")
URL_KEYS = ("url", "link", "abs_url", "paper_url", "arxiv_url", "pdf_url")
YEAR_KEYS = ("year", "pub_year", "publication_year", "published", "publication_date", "date", "created")
CATEGORY_KEYS = ("categories", "category", "primary_category", "subjects")
NESTED_ID_KEYS = ("externalids", "external_ids")


@lru_cache(maxsize=4096)
def normalise_key(key: str) -> str:
    """Column or field name as matched: case-insensitive, any run of non-alphanumerics as `_`."""
    return re.sub(r"[^0-9a-z]+", "_", str(key).strip().lower()).strip("_")


def normalise_title(title: str) -> str:
    """Title as compared for identity: no accents, case, punctuation or spacing differences."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def normalise_doi(value: Any) -> str | None:
    """`10.xxxx/...` in lower case (DOIs are case-insensitive), from a bare DOI, `doi:` or a doi.org URL."""
    if not isinstance(value, str):
        return None
    match = _DOI.search(value.strip())
    return match.group(1).rstrip(".,;").lower() if match else None


def normalise_arxiv(value: Any) -> str | None:
    """An arXiv id without `arXiv:` prefix or version, from an id, an arxiv.org URL or an arXiv DOI."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    match = _ARXIV_ID.match(value) or _ARXIV_URL.search(value) or _ARXIV_DOI.match(value)
    return match.group(1) if match else None


def paper_id(title: str, extra: Mapping[str, Any]) -> str:
    """Stable id: `doi:<doi>`, else `arxiv:<id>`, else `title:<16 hex of sha1(normalised title)>`.

    An arXiv DOI (10.48550/arXiv.<id>) counts as the arXiv id, so it matches records that only
    carry the arXiv id.
    """
    doi = normalise_doi(extra.get("doi"))
    arxiv = normalise_arxiv(extra.get("arxiv_id")) or (normalise_arxiv(doi) if doi else None)
    if doi and not _ARXIV_DOI.match(doi):
        return f"doi:{doi}"
    if arxiv:
        return f"arxiv:{arxiv}"
    digest = hashlib.sha1(normalise_title(title).encode()).hexdigest()[:16]
    return f"title:{digest}"


_ROLES = {
    key: (role, rank)
    for role, keys in (
        ("doi", DOI_KEYS), ("arxiv", ARXIV_KEYS), ("record_id", RECORD_ID_KEYS), ("url", URL_KEYS),
        ("year", YEAR_KEYS), ("categories", CATEGORY_KEYS), ("nested", NESTED_ID_KEYS),
    )
    for rank, key in enumerate(keys)
}


def _by_role(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The preferred non-empty value for each role, in one pass over the record's fields."""
    found: dict[str, tuple[int, Any]] = {}
    for key, value in fields.items():
        hit = _ROLES.get(key)
        if hit is None or value is None or value == "" or value == [] or value == {}:
            continue
        role, rank = hit
        if role not in found or rank < found[role][0]:
            found[role] = (rank, value)
    return {role: value for role, (_, value) in found.items()}


def _categories(value: Any) -> list[str] | None:
    if isinstance(value, str):
        items = re.split(r"[,;\s]+", value)
    elif isinstance(value, (list, tuple)):
        items = [str(item) for item in value if isinstance(item, (str, int))]
    else:
        return None
    cleaned = [item.strip() for item in items if item.strip()]
    return cleaned or None


def extract_extra(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The optional fields a record has, keyed by normalised field name, as `Paper.extra` keeps them.

    Unknown fields are ignored: a record may carry anything (gold entities, authors, scores).
    """
    roles = _by_role(fields)
    nested = roles.get("nested")
    if isinstance(nested, Mapping):
        inner = _by_role({normalise_key(k): v for k, v in nested.items()})
        roles = {**inner, **roles}
    record_id = roles.get("record_id")
    url = roles.get("url") if isinstance(roles.get("url"), str) else None
    doi = normalise_doi(roles.get("doi"))
    if doi is None and url and "doi.org/" in url:
        doi = normalise_doi(url)
    arxiv = (
        normalise_arxiv(roles.get("arxiv"))
        or normalise_arxiv(record_id)
        or normalise_arxiv(url)
        or normalise_arxiv(doi)
    )
    extra: dict[str, Any] = {}
    year_value = roles.get("year")
    year_match = _YEAR.search(str(year_value)) if isinstance(year_value, (str, int)) else None
    if year_match:
        extra["year"] = int(year_match.group(1))
    if arxiv:
        extra["arxiv_id"] = arxiv
    if doi:
        extra["doi"] = doi
    if url:
        extra["url"] = url.strip()
    categories = _categories(roles.get("categories"))
    if categories:
        extra["categories"] = categories
    if isinstance(record_id, (str, int)) and not isinstance(record_id, bool):
        extra["record_id"] = str(record_id).strip()
    return extra
