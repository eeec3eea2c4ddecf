"""Paging on the list pages: page and page size from the query string (a bad value falls back to
the default: a page never fails on its URL), and the links that keep the filters."""
from __future__ import annotations

from typing import Any

from flask import request, url_for

from engine.base.paging import MAX_PAGE, PER_PAGE_CHOICES, Page
from web.inputs import query_int

DEFAULT_PER_PAGE = PER_PAGE_CHOICES[0]


def page_args() -> tuple[int, int]:
    """(page, per_page) of the current request: per_page one of PER_PAGE_CHOICES."""
    page = query_int(request.args.get("page"), 1, MAX_PAGE) or 1
    per_page = query_int(request.args.get("per_page"), 1, max(PER_PAGE_CHOICES))
    return page, per_page if per_page in PER_PAGE_CHOICES else DEFAULT_PER_PAGE


def page_url(**changes: Any) -> str:
    """This page's URL with its filters, `changes` applied (page=…, per_page=…)."""
    args = {k: v for k, v in request.args.items() if k not in changes}
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for(request.endpoint or "", **(request.view_args or {}), **args)


def window(found: Page[Any], around: int = 2) -> list[int | None]:
    """The page numbers to link: first, last and `around` either side of the current; None is a gap."""
    last = found.pages
    wanted = {1, last, *range(found.page - around, found.page + around + 1)}
    numbers = sorted(n for n in wanted if 1 <= n <= last)
    out: list[int | None] = []
    for n in numbers:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out
