"""Page numbers for lists, shaped for the GOV.UK pagination component."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import ceil


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def first_item(self) -> int:
        return 0 if self.total == 0 else self.offset + 1

    @property
    def last_item(self) -> int:
        return min(self.total, self.offset + self.per_page)

    def govuk_params(self, url_for_page: Callable[[int], str]) -> dict | None:
        """Params for govukPagination, or None when everything fits on one page."""
        if self.pages <= 1:
            return None
        shown = sorted({1, self.pages, self.number - 1, self.number, self.number + 1} & set(range(1, self.pages + 1)))
        items, previous = [], 0
        for n in shown:
            if n - previous > 1:
                items.append({"ellipsis": True})
            items.append({"number": n, "href": url_for_page(n), "current": n == self.number})
            previous = n
        params: dict = {"items": items, "landmarkLabel": "Pages"}
        if self.number > 1:
            params["previous"] = {"href": url_for_page(self.number - 1)}
        if self.number < self.pages:
            params["next"] = {"href": url_for_page(self.number + 1)}
        return params


def page_number(raw: str | None) -> int:
    """A page number from the query string: anything odd (not plain digits, or beyond a million) becomes page 1."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 7:
        return 1
    return min(max(1, int(text)), 10**6)
