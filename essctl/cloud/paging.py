"""Walk paginated list APIs: page-number style (ESS) and token style (OOS)."""
from __future__ import annotations

from typing import Any, Callable, Sequence


def by_ids(ids: Sequence[str], per_call: int, fetch: Callable[[list[str]], Sequence[Any]]) -> list[Any]:
    """What fetch(chunk) returns for each chunk of at most `per_call` ids (APIs that take ".N" ids, 1 to N)."""
    return [item for start in range(0, len(ids), per_call) for item in fetch(list(ids[start:start + per_call]))]


def by_page_number(
    fetch: Callable[[int, int], Any],
    items_of: Callable[[Any], Sequence[Any]],
    *,
    page_size: int,
    max_items: int | None = None,
) -> list[Any]:
    """Call fetch(page_number, page_size) until TotalCount is reached, a page is short, or max_items are had."""
    kept: list[Any] = []
    page = 1
    while True:
        body = fetch(page, page_size)
        items = list(items_of(body) or [])
        kept.extend(items)
        if max_items is not None and len(kept) >= max_items:
            return kept[:max_items]
        total = getattr(body, "total_count", None)
        if len(items) < page_size or (total is not None and page * page_size >= total):
            return kept
        page += 1


def by_token(
    fetch: Callable[[str | None], Any],
    items_of: Callable[[Any], Sequence[Any]],
    *,
    max_items: int | None = None,
    keep: Callable[[Any], bool] | None = None,
) -> list[Any]:
    """Call fetch(next_token) until the answer carries no NextToken, or max_items are kept."""
    kept: list[Any] = []
    token: str | None = None
    while True:
        body = fetch(token)
        kept.extend(item for item in items_of(body) or [] if keep is None or keep(item))
        if max_items is not None and len(kept) >= max_items:
            return kept[:max_items]
        token = getattr(body, "next_token", None)
        if not token:
            return kept
