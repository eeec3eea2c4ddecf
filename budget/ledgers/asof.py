"""A ledger read as of a day D: the end of D in Asia/Shanghai is the cut — rows that existed by
then, submissions made by then, statuses and days late counted at D, the due date valid at D."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from engine.time.calendar import end_of_day

DUE_SOON_DAYS = 3  # DUE_SOON: due within 3 calendar days (today included) — the T−3 reminder's reach


@dataclass(frozen=True)
class AsOf:
    day: date

    @property
    def cutoff(self) -> datetime:
        return end_of_day(self.day)
