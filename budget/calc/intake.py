"""P1 dates (processes §5.3 item 4): the rolling intake cut-off and the year a new request is for."""
from __future__ import annotations

from datetime import date


def intake_cutoff(year: int) -> date:
    """Rolling intake cut-off for budget year `year` (Aug 31 of the year before). Per-jurisdiction
    configuration comes later; the default is the [003] date."""
    return date(int(year) - 1, 8, 31)


def default_request_year(today: date, in_year: bool = False) -> int:
    """In-year: this year. Otherwise next year until its intake cut-off (Aug 31), then the year after:
    st_p1_cutoff would move an earlier year anyway, after the filer had filed for it."""
    if in_year:
        return today.year
    year = today.year + 1
    return year + 1 if today > intake_cutoff(year) else year
