from __future__ import annotations

from django.http import HttpRequest


def canonical_url(request: HttpRequest) -> dict[str, str]:
    """The page's address without its query string: its canonical link and og:url."""
    return {"canonical_url": request.build_absolute_uri(request.path)}
