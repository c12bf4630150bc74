from django import template

from mailbox.text import plain_preview, render_message_text

register = template.Library()


@register.filter(name="message_text")
def message_text(value):
    """Render message text: escaped, links clickable (see mailbox.text)."""
    return render_message_text(value)


@register.filter(name="preview")
def preview(value, length=120):
    return plain_preview(value, int(length))
