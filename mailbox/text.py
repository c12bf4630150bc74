"""The one place message text becomes HTML: escaped, links made clickable, line breaks kept.

bleach only receives text that Django has already escaped, and linkify only adds <a> elements
with http(s) URLs, so no tag or attribute typed by a user can reach the page. Swappable: nh3 plus
Django's ``urlize`` would do the same.
"""

from bleach.linkifier import Linker
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def _link_attrs(attrs, new=False):
    href_key = (None, "href")
    href = attrs.get(href_key, "")
    if not href.startswith(("http://", "https://", "mailto:")):
        return None  # leave it as text
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    attrs[(None, "target")] = "_blank"
    return attrs


_linker = Linker(callbacks=[_link_attrs], parse_email=False, skip_tags=["pre", "code"])


def render_message_text(text: str) -> SafeString:
    escaped = escape(text or "")
    linked = _linker.linkify(escaped)
    # Keep the author's line breaks; every other character was escaped above.
    html = linked.replace("\r\n", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308  (escaped first; only linkify's <a> and our <br> added)


def plain_preview(text: str, length: int = 120) -> str:
    """A one-line preview for lists; plain text, escaped by the template."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"
