"""Plain text out of scraped fields: whitespace collapsed, HTML turned into readable text.

Scrapers hand us descriptions as raw page fragments. The model reads text, and the content
fingerprint must not change because a site re-rendered the same words with other markup or spacing,
so every text field goes through here before it is stored or hashed.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

# Characters that render as nothing but would make two equal texts hash differently. The zero-width
# joiner is kept between two emoji: there it is what makes one emoji (person + laptop = technologist).
_EMOJI = "\U0001f000-\U0001faff\u2600-\u27bf\ufe0f"
_INVISIBLE = re.compile(
    f"[\u200b\u200c\u2060\ufeff\u00ad]|(?<![{_EMOJI}])\u200d|\u200d(?![{_EMOJI}])"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[^\S\n]+")  # any whitespace except newline, unicode spaces included
_ANY_SPACE = re.compile(r"\s+")
_LINE_EDGES = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z!/][^<>]*>|&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a UTF-16 pair: cannot be stored as UTF-8
# Every ASCII sequence normalize_whitespace would change: substring tests, each a C-speed scan, are
# much faster than one regular expression with as many alternatives.
_ODD_ASCII = (
    "  ",
    " \n",
    "\n ",
    "\n\n\n",
    "\t",
    "\r",
    "\x7f",
    *map(chr, range(0x0B, 0x0D)),
    *map(chr, range(0x0E, 0x20)),
    *map(chr, range(0x09)),
)
TRUNCATION_MARKER = "… [truncated by jobbatch: {kept} of {total} characters kept]"

_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "main",
        "nav",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
    ]
)
_PARAGRAPH_TAGS = frozenset({"p", "hr", "h1", "h2", "h3", "h4", "h5", "h6"})
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "svg"})
# With any of these present, newlines in the source are layout, not content, as in a browser.
_HAS_LAYOUT_TAGS = re.compile(r"<(?:br|p|div|li|ul|ol|h[1-6]|tr|table)\b", re.I)
_BULLET = "• "


def normalize_whitespace(text: str, *, keep_newlines: bool = False) -> str:
    """Collapse runs of whitespace to one space and drop invisible characters; NFC for non-ASCII.

    With ``keep_newlines`` the line structure survives (paragraphs and bullets help the model):
    each line is collapsed and stripped, and runs of blank lines shrink to one. This is the one text
    normalisation of the project: the engine applies it to raw job dicts too, and it is idempotent,
    so a stored posting's text is what the engine fingerprints.
    """
    if text.isascii():
        # The common cases, already clean, found with C-speed scans instead of a rebuild: one line
        # of printable characters (no tab, newline or control) without double spaces ...
        if text.isprintable() and "  " not in text and text == text.strip():
            return text
        # ... or several such lines, when lines are kept.
        if keep_newlines and text == text.strip() and not any(odd in text for odd in _ODD_ASCII):
            return text
    else:
        text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text))
    # Whole-text regular expressions, not a loop over lines: this runs on every description.
    text = _CONTROL.sub(" ", text)
    if not keep_newlines:
        return _ANY_SPACE.sub(" ", text).strip()
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _BLANK_LINES.sub("\n\n", _LINE_EDGES.sub("\n", text)).strip()


def replace_lone_surrogates(text: str) -> tuple[str, int]:
    """Text safe to encode as UTF-8: each lone surrogate (``"\\ud83d"`` without its pair) becomes
    U+FFFD; also returns how many were replaced, so the reader can say so."""
    return _LONE_SURROGATE.subn("\ufffd", text)


def truncate(text: str, max_chars: int) -> tuple[str, bool]:
    """Keep the first ``max_chars`` characters and say so visibly; never drop the posting."""
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars] + TRUNCATION_MARKER.format(kept=max_chars, total=len(text)), True


def looks_like_html(text: str) -> bool:
    """True when the text holds a tag or an entity, so plain text with a lone ``<`` is left alone."""
    # Most fields have neither character: two C-speed scans spare the regular expression.
    return ("<" in text or "&" in text) and _LOOKS_LIKE_HTML.search(text) is not None


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML fragment, turning block structure into newlines.

    Block tags ask for a break of one or two newlines; breaks are only written when text follows,
    so nested or empty blocks never stack up blank lines (``</li><li>`` is one newline, not two).
    """

    def __init__(self, *, source_newlines_are_spaces: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._newlines_are_spaces = source_newlines_are_spaces
        self._pending_newlines = 0
        self._after_marker = False  # a list marker was written and its item has no text yet
        self._pre_depth = 0
        self._skip_depth = 0
        self._lists: list[int | None] = []  # per open list: next number for <ol>, None for <ul>

    def _break(self, newlines: int) -> None:
        if not self._after_marker:
            self._pending_newlines = max(self._pending_newlines, newlines)

    def _write(self, text: str) -> None:
        if self.parts and self._pending_newlines:
            self.parts.append("\n" * self._pending_newlines)
        self._pending_newlines = 0
        self.parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth += 1
        elif tag == "br":
            self._pending_newlines += 1  # <br><br> is a blank line on purpose
            self._after_marker = False
        elif tag in ("ul", "ol"):
            self._lists.append(1 if tag == "ol" else None)
            self._break(1)
        elif tag == "li":
            self._break(1)
            self._write(self._list_marker())
            self._after_marker = True
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag in _BLOCK_TAGS:
            self._break(2 if tag in _PARAGRAPH_TAGS else 1)
            if tag == "pre":
                self._pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIPPED_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in ("ul", "ol"):
            if self._lists:
                self._lists.pop()
            self._break(1)
        elif tag in _BLOCK_TAGS or tag == "li":
            self._break(2 if tag in _PARAGRAPH_TAGS else 1)
            if tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._newlines_are_spaces and not self._pre_depth:
            data = data.replace("\n", " ")
        if not data.strip() and (self._pending_newlines or self._after_marker):
            return  # layout whitespace between blocks
        self._after_marker = False
        self._write(data)

    def _list_marker(self) -> str:
        if not self._lists or self._lists[-1] is None:
            return _BULLET
        number = self._lists[-1]
        self._lists[-1] = number + 1
        return f"{number}. "


def html_to_text(html: str) -> str:
    """Readable text from an HTML fragment.

    Entities are decoded; ``<br>`` and block tags become newlines, ``<p>`` and headings blank lines,
    list items bullets (numbers inside ``<ol>``); scripts, styles and other invisible parts are
    dropped. Malformed markup never raises: whatever the parser makes of it is kept.
    """
    parser = _TextExtractor(source_newlines_are_spaces=bool(_HAS_LAYOUT_TAGS.search(html)))
    parser.feed(html)
    parser.close()
    return normalize_whitespace("".join(parser.parts), keep_newlines=True)


def clean_text(value: str, *, multiline: bool) -> str:
    """The stored form of a text field: HTML converted when present, whitespace normalised."""
    # Most fields are one clean line of plain ASCII: already their stored form, found by C-speed
    # scans without the calls below (no "<" or "&", so no HTML; nothing to collapse).
    if (
        value.isascii()
        and value.isprintable()
        and "<" not in value
        and "&" not in value
        and "  " not in value
        and value == value.strip()
    ):
        return value
    if not looks_like_html(value):
        return normalize_whitespace(value, keep_newlines=multiline)
    text = html_to_text(value)
    return text if multiline else normalize_whitespace(text)
