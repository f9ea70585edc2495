from __future__ import annotations

import datetime

from django import template

from countries.profile import format_date_range

register = template.Library()


@register.filter
def date_range(start: datetime.date | None, end: datetime.date | None) -> str:
    """`{{ meeting.start_date|date_range:meeting.end_date }}`: 14-15 June 2011."""
    return format_date_range(start, end) if start else ""
