"""Markdown written by staff, rendered to HTML that is safe to show on a page."""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "s", "del",
    "ul", "ol", "li", "blockquote", "code", "pre", "a", "table", "thead", "tbody", "tr",
    "th", "td", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> SafeString:
    """Markdown → HTML, then everything not on the allow-list removed (scripts with their
    content, event handlers, javascript: links, images). A line break is a line break, as
    people writing Japanese expect; `#` becomes <h2> because the page title is the <h1>."""
    html = markdown.markdown(
        text,
        extensions=["extra", "nl2br", "sane_lists", "toc"],
        extension_configs={"toc": {"baselevel": 2, "anchorlink": False, "permalink": False}},
        output_format="html",
    )
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # nh3 has removed everything not allowed above
