from __future__ import annotations

from typing import Any


class ForgivingPaginationMixin:
    """For list views: a page number that is not a number shows the first page, one past the
    end the last page, instead of a 404; shared links outlive the results they pointed at."""

    def paginate_queryset(self, queryset: Any, page_size: int) -> tuple:
        paginator = self.get_paginator(
            queryset,
            page_size,
            orphans=self.get_paginate_orphans(),
            allow_empty_first_page=self.get_allow_empty(),
        )
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return (paginator, page, page.object_list, page.has_other_pages())
