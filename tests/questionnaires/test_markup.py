"""The markup longer texts may use: lists, emphasis, links; nothing else, safely."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.questionnaires.markup import quote, to_html


def test_dash_lines_become_a_list() -> None:
    html = to_html("Vormen:\n\n- verbale agressie\n- bedreiging")
    assert (
        html
        == "<p>Vormen:</p>\n<ul>\n<li>verbale agressie</li>\n<li>bedreiging</li>\n</ul>"
    )


def test_a_list_right_under_a_line_and_numbered_lists() -> None:
    assert "<ul>\n<li>a</li>" in to_html("Vormen:\n- a\n- b")
    assert "<ol>\n<li>een</li>\n<li>twee</li>\n</ol>" in to_html("1. een\n2. twee")


def test_emphasis_paragraphs_and_line_breaks() -> None:
    html = to_html("*Let op*: **vertrouwelijk**.\nTweede regel.\n\nNieuwe alinea.")
    assert html == (
        "<p><em>Let op</em>: <strong>vertrouwelijk</strong>.<br />\n"
        "Tweede regel.</p>\n<p>Nieuwe alinea.</p>"
    )


@pytest.mark.parametrize(
    "url", ["https://www.weerbaarbestuur.nl", "http://a.nl/x?y=1", "mailto:a@b.nl"]
)
def test_links_to_web_and_mail_addresses(url: str) -> None:
    html = to_html(f"Zie [de site]({url}).")
    assert f'<a href="{url}" rel="noopener noreferrer">de site</a>' in html


@pytest.mark.parametrize(
    "text",
    [
        "[klik](javascript:alert(1))",
        "[klik](JaVaScRiPt:alert(1))",
        "[klik](data:text/html;base64,PHNjcmlwdD4=)",
        "[klik](/staff/users)",
        "[klik](vbscript:x)",
        "<script>alert(1)</script>",
        '<a href="https://x.nl" onclick="x()">a</a>',
        "<img src=x onerror=alert(1)>",
        "![beeld](https://x.nl/a.png)",
        "<https://x.nl>",
    ],
)
def test_no_html_no_scripts_no_other_links(text: str) -> None:
    """Parsed back as a browser would: only allowed elements, and links only
    to http(s) and mailto addresses."""
    for tag, attributes in elements(to_html(text)):
        assert tag in ALLOWED_TAGS, tag
        if tag == "a":
            assert set(attributes) == {"href", "rel"}
            assert attributes["href"].startswith(("http://", "https://", "mailto:"))
        else:
            assert attributes == {}


ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "em", "strong", "a"}


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    found: list[tuple[str, dict[str, str | None]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


def test_a_quoted_value_stays_literal_text() -> None:
    value = "*Gem* [x](javascript:a) <b>\n- y & z_1 `c` # h"
    html = to_html("Beleid van " + quote(value) + ".")
    assert html == (
        "<p>Beleid van *Gem* [x](javascript:a) &lt;b&gt; - y &amp; z_1 `c` # h.</p>"
    )


def test_headings_code_quotes_and_rules_stay_plain_text() -> None:
    html = to_html("# Kop\n\n    ingesprongen\n\n> citaat\n\n---")
    assert "<h1" not in html and "<pre" not in html and "<blockquote" not in html
    assert "<hr" not in html
