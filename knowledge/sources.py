"""Read source articles (.txt or .md) into documents made of sections and paragraphs.

An optional ``<stem>.meta.yml`` beside a source gives its title, author, publisher and the
site chrome lines to skip (navigation, blog name) that were copied along with the article.
Without it a source still builds: the title is the first heading (Markdown) or the first line
(plain text) and the author is unknown.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import yaml

from .nlp import normalize_text

SOURCE_SUFFIXES = (".txt", ".md")

# A plain-text heading is a short line that does not end like a sentence.
_MAX_HEADING_WORDS = 12
_MAX_HEADING_CHARS = 90
_SENTENCE_END = tuple(".!?:;,")
_LIST_LINE = re.compile(r"^\s*(?:\(?\d{1,3}[.)]|[-*+\u2022\u25aa\u25cf])\s+")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# **bold**, *italic*, _italic_, `code`; not the underscores inside snake_case words
_MD_EMPHASIS = re.compile(r"(?<![\w*])(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1(?![\w*])")


@dataclass
class SourceSection:
    heading: str  # "" for text before the first heading
    paragraphs: List[str] = field(default_factory=list)


@dataclass
class SourceDocument:
    path: Path
    title: str
    author: Optional[str]
    publisher: Optional[str]
    checksum: str
    sections: List[SourceSection]


def discover_sources(sources_dir: Path) -> List[Path]:
    """Source files in a stable order, so that a rebuild gives the same ids."""
    return sorted(
        p
        for p in Path(sources_dir).iterdir()
        if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES and not p.name.startswith(".")
    )


def meta_path(source: Path) -> Path:
    return source.with_name(source.stem + ".meta.yml")


def load_meta(source: Path) -> dict:
    path = meta_path(source)
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of title/author/publisher/skip_lines")
    return data


def _same(a: str, b: str) -> bool:
    return normalize_text(a).casefold() == normalize_text(b).casefold()


def read_source(path: Path) -> SourceDocument:
    path = Path(path)
    raw_bytes = path.read_bytes()
    text = raw_bytes.decode("utf-8-sig")
    meta = load_meta(path)
    if path.suffix.lower() == ".md":
        text, front = _split_front_matter(text)
        meta = {**front, **meta}
        title, sections = _parse_markdown(text, meta)
    else:
        title, sections = _parse_text(text, meta)
    return SourceDocument(
        path=path,
        title=str(meta.get("title") or title or path.stem),
        author=(str(meta["author"]) if meta.get("author") else None),
        publisher=(str(meta["publisher"]) if meta.get("publisher") else None),
        checksum=hashlib.sha256(raw_bytes).hexdigest(),
        sections=[s for s in sections if s.paragraphs],
    )


# --------------------------------------------------------------------------- plain text


def _text_blocks(text: str) -> List[List[str]]:
    """Groups of consecutive non-blank raw lines; a line of non-breaking spaces is blank."""
    blocks, current = [], []
    for line in text.splitlines():
        if normalize_text(line):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _drop_chrome(blocks: List[List[str]], meta: dict) -> List[List[str]]:
    """Drop the site chrome lines (blog name, navigation) that precede the article."""
    chrome = [str(s) for s in meta.get("skip_lines") or []]
    while blocks and chrome:
        first = blocks[0]
        if not any(_same(first[0], c) for c in chrome):
            break
        blocks = [first[1:]] + blocks[1:] if len(first) > 1 else blocks[1:]
    return blocks


def _is_heading_candidate(raw_block: List[str]) -> bool:
    if len(raw_block) != 1 or _LIST_LINE.match(raw_block[0]):
        return False
    line = normalize_text(raw_block[0])
    return (
        len(line) <= _MAX_HEADING_CHARS and len(line.split()) <= _MAX_HEADING_WORDS and not line.endswith(_SENTENCE_END)
    )


def _paragraphs_of(raw_block: List[str]) -> List[str]:
    """Hard-wrapped lines join into one paragraph; each list item starts a new one."""
    paragraphs: List[str] = []
    for line in raw_block:
        if paragraphs and not _LIST_LINE.match(line):
            paragraphs[-1] = paragraphs[-1] + " " + normalize_text(line)
        else:
            paragraphs.append(normalize_text(line))
    return [p for p in paragraphs if p]


def _parse_text(text: str, meta: dict):
    blocks = _drop_chrome(_text_blocks(text), meta)
    title = meta.get("title")
    if blocks:
        first = normalize_text(blocks[0][0])
        if title is None or _same(first, str(title)):
            title = title or first
            blocks = [blocks[0][1:]] + blocks[1:] if len(blocks[0]) > 1 else blocks[1:]
    author = meta.get("author")
    if author and blocks and len(blocks[-1]) == 1 and _same(blocks[-1][0], str(author)):
        blocks = blocks[:-1]  # the byline at the end is the author, not content

    sections = [SourceSection("")]
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if _is_heading_candidate(block):
            if nxt is not None and not _is_heading_candidate(nxt):
                sections.append(SourceSection(normalize_text(block[0])))
            # a heading-like line followed by nothing (or by another heading) is a footer or
            # signature: it would be a section without text, so it is skipped
            continue
        sections[-1].paragraphs.extend(_paragraphs_of(block))
    return title, sections


# --------------------------------------------------------------------------- markdown


def _split_front_matter(text: str):
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            data = yaml.safe_load(text[4:end]) or {}
            if isinstance(data, dict):
                return text[end + 4 :].lstrip("\n"), data
    return text, {}


def _md_inline(line: str) -> str:
    line = _MD_IMAGE.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    return _MD_EMPHASIS.sub(r"\2", line)


def _parse_markdown(text: str, meta: dict):
    title = meta.get("title")
    sections = [SourceSection("")]
    block: List[str] = []

    def flush():
        if block:
            sections[-1].paragraphs.extend(_paragraphs_of([_md_inline(line) for line in block]))
            block.clear()

    for line in text.splitlines():
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            words = normalize_text(_md_inline(heading.group(2)))
            if title is None:
                title = words  # the first heading names the document
            elif _same(words, str(title)) and not any(s.paragraphs for s in sections) and len(sections) == 1:
                pass  # the title repeated as a heading under front matter or meta
            else:
                sections.append(SourceSection(words))
        elif not normalize_text(line) or line.strip() in ("---", "***", "___"):
            flush()
        else:
            block.append(line)
    flush()
    if title is None:
        first = next((p for s in sections for p in s.paragraphs), "")
        title = first[:_MAX_HEADING_CHARS]
    return title, sections
