from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def signed(value):
    """A change with its sign: +3, -2, ±0."""
    if not isinstance(value, int):
        return value
    return f"+{intcomma(value)}" if value > 0 else ("±0" if value == 0 else intcomma(value))
