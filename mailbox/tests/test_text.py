"""Message text is plain text: escaped, with links made clickable, never executed."""

import pytest

from mailbox.text import plain_preview, render_message_text

SEED_004 = ["<script>alert(1)</script>", ";alert(1)//", "</xmp><script>alert(1)</script>"]


@pytest.mark.parametrize("text", SEED_004 + ['"><img src=x onerror=alert(1)>', "<a href='javascript:alert(1)'>x</a>"])
def test_markup_is_escaped(text):
    html = str(render_message_text(text))
    assert "<script" not in html and "<img" not in html and "<a href='javascript" not in html
    assert "javascript:alert" not in html or "&lt;a" in html


def test_links_are_clickable_and_safe():
    html = str(render_message_text("See https://example.org/x?a=1&b=2 and www.example.org"))
    assert '<a href="https://example.org/x?a=1&amp;b=2" rel="nofollow noopener noreferrer" target="_blank">' in html
    assert 'href="http://www.example.org"' in html


def test_javascript_urls_stay_text():
    assert "<a" not in str(render_message_text("javascript:alert(1)"))


def test_line_breaks_kept():
    assert str(render_message_text("a\nb")) == "a<br>b"


def test_preview_is_one_line_and_short():
    assert plain_preview("a\n b   c", 120) == "a b c"
    assert len(plain_preview("x" * 500, 50)) == 50
