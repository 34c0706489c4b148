"""Text normalisation: what the model reads and what the fingerprint hashes."""

from __future__ import annotations

import pytest

from jobbatch_dagster.sources import html_to_text, normalize_whitespace


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Data   entry\tclerk \n", "Data entry clerk"),
        ("a\u00a0b\u2003c", "a b c"),  # no-break and em spaces are spaces
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("bell\x07char", "bell char"),
        ("", ""),
    ],
)
def test_normalize_whitespace_collapses_to_one_line(raw: str, expected: str) -> None:
    assert normalize_whitespace(raw) == expected


def test_normalize_whitespace_can_keep_paragraphs() -> None:
    raw = "Line  one \r\nLine two\r\n\r\n\r\n\n  Paragraph\t two  "
    assert normalize_whitespace(raw, keep_newlines=True) == "Line one\nLine two\n\nParagraph two"


def test_html_paragraphs_lists_and_entities() -> None:
    html = (
        "<p>We re-type orders&nbsp;into <b>QuickBooks</b> &amp; Excel.</p>\n"
        "<ul>\n  <li>ASAP</li>\n  <li><p>45+ wpm</p></li>\n</ul>"
        "<p>Tom&#39;s Deli<br>Call&nbsp;us<br><br>PS: &lt;no agencies&gt;</p>"
    )
    assert html_to_text(html) == (
        "We re-type orders into QuickBooks & Excel.\n\n"
        "• ASAP\n• 45+ wpm\n\n"
        "Tom's Deli\nCall us\n\nPS: <no agencies>"
    )


def test_html_ordered_lists_are_numbered() -> None:
    assert html_to_text("<ol><li>Export<li>Re-type</ol>") == "1. Export\n2. Re-type"


def test_html_scripts_styles_and_head_are_dropped() -> None:
    html = (
        "<html><head><title>Job</title><style>p{color:red}</style></head><body>"
        "<script>track('view')</script><p>Visible</p><noscript>enable js</noscript></body></html>"
    )
    assert html_to_text(html) == "Visible"


def test_source_newlines_are_spaces_only_when_markup_lays_out_the_text() -> None:
    assert html_to_text("<p>We are\nhiring</p>") == "We are hiring"
    assert html_to_text("Smith &amp; Sons\nWe are hiring") == "Smith & Sons\nWe are hiring"


def test_pre_keeps_its_lines() -> None:
    assert html_to_text("<p>Orders:</p><pre>PO 1\nPO 2</pre>") == "Orders:\n\nPO 1\nPO 2"


def test_malformed_html_never_raises() -> None:
    assert html_to_text("<p>unclosed <b>bold <li>item</ul></div>") == "unclosed bold\n• item"
