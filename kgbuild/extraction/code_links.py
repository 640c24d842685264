"""Code links: repository URLs normalised to `owner/name`; other URLs kept as project pages.

`find_links` is the plain, testable function; the `kgbuild_code_links` component stores its result
on the Doc so that the resolver can ignore entity candidates inside a URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from .docs import doc_text

REPO_HOSTS = {"github.com": "github", "gitlab.com": "gitlab", "bitbucket.org": "bitbucket"}

_URL = re.compile(
    r"(?:https?://|ftp://|www\.|(?<![\w.@/])(?:github\.com|gitlab\.com|bitbucket\.org)/)[^\s<>\"'`]+",
    re.IGNORECASE,
)
_MARKUP_PREFIX = re.compile(r"^(?:\\(?:url|href)\{)", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*>`"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_STOP_SEGMENTS = {"tree", "blob", "releases", "issues", "pulls", "wiki", "commit", "commits", "-", "src", "raw"}
_NOT_OWNERS = {"orgs", "topics", "features", "about", "sponsors", "marketplace", "collections", "settings"}


@dataclass(frozen=True)
class Link:
    """One URL in the text; `repo` is `owner/name` (lowercase) when it points at a code repository."""

    url: str
    start: int
    end: int
    host: str = ""
    repo: str | None = None


def _trim(url: str) -> str:
    """Drop trailing punctuation and closing brackets that the sentence, not the URL, owns."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])):
            url = url[:-1]
        else:
            break
    return url


def _repository(url: str) -> tuple[str, str] | None:
    """(host, owner/name) if `url` is a repository on a known code host."""
    match = re.match(r"^(?:[a-z]+://)?(?:www\.)?([^/]+)/(.*)$", url, re.IGNORECASE)
    if not match or match.group(1).lower() not in REPO_HOSTS:
        return None
    host = match.group(1).lower()
    path = re.split(r"[?#]", match.group(2), maxsplit=1)[0]
    segments = []
    for segment in path.split("/"):
        if not segment or segment.lower() in _STOP_SEGMENTS:
            break
        segments.append(segment)
        if host != "gitlab.com" and len(segments) == 2:
            break
    if len(segments) < 2 or segments[0].lower() in _NOT_OWNERS:
        return None
    segments[-1] = re.sub(r"\.git$", "", segments[-1], flags=re.IGNORECASE)
    if not all(re.fullmatch(r"[\w.-]+", s) for s in segments):
        return None
    return REPO_HOSTS[host], "/".join(segments).lower()


def find_links(text: str) -> list[Link]:
    """Every URL in `text`, de-duplicated markup such as `\\url{...}` or `{url}{url}` removed."""
    links = []
    for match in _URL.finditer(text):
        raw, start = match.group(0), match.start()
        prefix = _MARKUP_PREFIX.match(raw)
        if prefix:
            raw, start = raw[prefix.end():], start + prefix.end()
        raw = re.split(r"\}\{|\}|\{", raw, maxsplit=1)[0] if "{" in raw or "}" in raw else raw
        url = _trim(raw)
        if len(url) < 8 or "." not in url:
            continue
        found = _repository(url)
        host, repo = found if found else ("", None)
        links.append(Link(url=url, start=start, end=start + len(url), host=host, repo=repo))
    return links


@Language.factory("kgbuild_code_links")
def make_code_links(nlp: Language, name: str) -> CodeLinks:
    return CodeLinks(name)


class CodeLinks:
    """Stores `find_links(doc.text)` in `doc._.kg_links`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        hinted = "://" in text or "www." in text or any(host in text for host in REPO_HOSTS)
        doc._.kg_links = find_links(text) if hinted else []
        return doc
