"""示例市's history (issue 11 point 7, issue 12 point 4): what the running system would have produced
from June 2024 to the snapshot date 2025-10-15, played on the real engine as the demo users — the
rectification cases of §8.8 on P7 (rectification, from 2024-06-20), FY2025 through P2 (fy2025), its
execution year months 1–9 on P3 (fy2025_p3), the FY2026 intake through P1 into P2 (fy2026),
interleaved in date order (the clock only moves forward). The engine's clock is moved through the
story (engine.time.clock.travel_to); at the end it stands at the snapshot, and the offset from real time is
kept in the `demo_clock` site flag so that `make run` keeps the demo world's time (the demo lives
on from the snapshot as real time passes). Runs once, on a database the demo loader has just
filled: the `demo_history` site flag records that it ran."""
from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from budget.demo_history import fy2025, fy2025_p3, fy2026, rectification
from budget.demo_history.driver import Cursor, Plan, at, drive
from budget.demo_history.targets import SEED
from engine.base import now as engine_now
from engine.base.db import db
from engine.base.models import SiteFlag

SNAPSHOT = date(2025, 10, 15)


def played() -> bool:
    return db.session.get(SiteFlag, "demo_history") is not None


def play() -> dict[str, Any]:
    """Play the story and leave the clock at the snapshot. Commits as it goes."""
    started = time.monotonic()
    cursor = Cursor(SEED)
    cursor.now = at(rectification.STORY_FROM)
    rectification.set_draws()
    story = rectification.Story()
    cases: dict[Any, Plan] = {}  # RC-2024-001 from June 2024; the 2025 cases join in the execution year
    counts = {"rectification_items": drive(cases, cursor, until=at(fy2025.BATCH_DAY), pause_after=at(fy2025.BATCH_DAY),
                                           calendar=story)}
    counts |= fy2025.play(cursor)  # ends in January 2025; msg_budget_approved has started P3
    counts |= play_execution_year(cursor, story, cases)
    counts |= {"rectification_cases": len(story.instances), "rectification_moments": story.moments}
    cursor.go(at(SNAPSHOT, 9))
    cursor.settle()
    took = round(time.monotonic() - started, 1)
    db.session.add(SiteFlag(key="demo_history", value={"snapshot": SNAPSHOT.isoformat(), "seconds": took, **counts}))
    db.session.add(SiteFlag(key="demo_clock", value={"offset_seconds": engine_now.shift().total_seconds(),
                                                     "set_at": datetime.now().isoformat(timespec="seconds")}))
    db.session.commit()
    return {"seconds": took, **counts}


def play_execution_year(cursor: Cursor, story: rectification.Story, cases: dict[Any, Plan]) -> dict[str, int]:
    """FY2025's months 1–9 on P3; from August the FY2026 intake too; the rectification cases all
    along (the story's calendar registers the 2025 ones on their days). Before each month's posting
    (the night of the 4th) the people's work of the days before is done, so the run of the 5th
    reads the figures and opens the month's steps."""
    year = fy2025_p3.Year()
    work, items, posted = dict(year.plans) | cases, 0, 0
    for month in range(1, fy2025_p3.LAST_MONTH + 1):
        if month == 7:  # the units file their FY2026 requests from 2025-08-04 (July's posting that night)
            start = at(fy2026.FILE_FROM, 9, 15)
            items += drive(work, cursor, until=start, pause_after=start, calendar=story)
            intake = fy2026.start(cursor)
            work |= intake
        posting = fy2025_p3.posting_moment(month)
        items += drive(work, cursor, until=posting, pause_after=posting, calendar=story)
        posted += fy2025_p3.run_month(cursor, year, month)
    snapshot = at(SNAPSHOT, 9)
    items += drive(work, cursor, until=snapshot, pause_after=snapshot, calendar=story)
    return {"fy2025_p3_instances": len(year.plans), "execution_records": posted,
            "fy2026_requests": len(intake), "p3_and_fy2026_items": items}


def demo_clock_offset() -> float | None:
    """The offset (seconds) the demo world's clock keeps from real time, when the history ran."""
    flag = db.session.get(SiteFlag, "demo_clock")
    return float(flag.value["offset_seconds"]) if flag is not None else None
