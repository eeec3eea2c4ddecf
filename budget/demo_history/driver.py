"""Playing work through the real engine as the demo users: each ready work item is completed with
`engine.moves.runtime.complete_task` by a user who may act on it (`engine.work.inbox.candidates`),
with a submission the plan of its project gives, and committed — as the web does. The engine's
clock is moved forward between items (working hours of working days), so every stamp, deadline
and timer is the one the running system would have had on that day."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import select

from budget.shared.helpers import TZ
from engine.base import now as engine_now
from engine.base.db import db
from engine.base.identity import User
from engine.base.models import HumanTask, ProcessInstance
from engine.dispatch import queue
from engine.moves.runtime import complete_task
from engine.time import clock as scheduler
from engine.time.calendar import is_working_day
from engine.views.tasks import get_task
from engine.work.inbox import candidates

OPEN, CLOSE = time(9, 0), time(17, 30)


@dataclass
class Answer:
    """What a plan says about a ready item: who completes it with which submission, and not
    before when (a step the story holds back, e.g. the last one of a request)."""

    submission: dict[str, Any]
    who: str | None = None  # None: the first user who may act (by username)
    not_before: datetime | None = None


# plan(task row, the task's data as the form opens, all its data) → Answer, or None: leave it open
Plan = Callable[[HumanTask, dict[str, Any], dict[str, Any]], Answer | None]


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ)


class Cursor:
    """The story's "now": moves forward only, in working hours of working days."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.now = engine_now.now(TZ)

    def working(self, moment: datetime) -> datetime:
        """`moment`, or the next working hour after it (never before the story's now)."""
        moment = max(moment.astimezone(TZ), self.now)
        while not is_working_day(moment.date()) or moment.time() >= CLOSE:
            moment = at(moment.date() + timedelta(days=1), OPEN.hour, 0)
        if moment.time() < OPEN:
            moment = at(moment.date(), OPEN.hour, 0)
        return moment

    def go(self, moment: datetime) -> datetime:
        self.now = self.working(moment)
        scheduler.travel_to(self.now)
        return self.now

    def system(self, moment: datetime) -> datetime:
        """Move to `moment` exactly, working hours or not: what systems do (the treasury's nightly
        posting, the 5th-of-the-month run) happens on any day."""
        self.now = max(moment.astimezone(TZ), self.now)
        scheduler.travel_to(self.now)
        return self.now

    def step(self, minutes: tuple[int, int]) -> datetime:
        return self.go(self.now + timedelta(minutes=self.rng.randint(*minutes)))

    def settle(self) -> None:
        """What the scheduler and the worker would have done by now: due timers fired, jobs run."""
        scheduler.tick(engine_now.now())
        queue.drain()
        db.session.expire_all()


class Calendar(Protocol):
    """System moments a story needs besides its people's steps (a registration on its day, the
    scheduler's tick at a timer or reminder occasion): `drive` lets each happen at its moment."""

    def next_at(self, now: datetime) -> datetime | None:
        """The earliest pending moment (it may lie before `now`: then it happens at once)."""

    def happen(self, cursor: Cursor, moment: datetime) -> dict[Any, Plan]:
        """Do what is due at `moment` (the clock stands there, the scheduler has ticked); new
        instances to drive with their plans."""


def user(username: str) -> User:
    return db.session.scalars(select(User).where(User.username == username)).one()


def actor_for(task: HumanTask, who: str | None) -> User:
    if who:
        return user(who)
    people = candidates(task)
    if not people:
        raise RuntimeError(f"nobody may act on {task.task_name} of {task.business_key}")
    return people[0]


def drive(instances: dict[Any, Plan], cursor: Cursor, *, until: datetime | None = None,
          pause_after: datetime | None = None, step: tuple[int, int] = (20, 90),
          calendar: Calendar | None = None) -> int:
    """Complete, round by round, one answerable ready item per instance until none is left (or the
    next is held back beyond `until`, or the next step would pass `pause_after`: the story's time
    then stays before it, so a system event planned there comes first). A `calendar`'s moments
    happen in between, in date order, up to `until` / `pause_after` (what they start joins
    `instances`). Returns how many items were completed."""
    done = 0
    held_answers: dict[Any, Answer] = {}  # a held item's answer is asked once, not every round
    left_open: set[Any] = set()  # items the plan leaves open (asked once too)
    bound = min((m for m in (until, pause_after) if m is not None), default=None)

    def within(moment: datetime) -> bool:
        return pause_after is None or cursor.working(moment) <= pause_after

    def next_event(before: datetime | None) -> datetime | None:
        """The calendar's next moment if it comes no later than `before` and the bound."""
        moment = calendar.next_at(cursor.now) if calendar is not None else None
        if moment is None or (bound is not None and moment > bound) or (before is not None and moment > before):
            return None
        return moment

    def happen(moment: datetime) -> None:
        cursor.system(moment)
        cursor.settle()
        instances.update(calendar.happen(cursor, moment))

    def rounds() -> None:
        nonlocal done
        while within(cursor.now + timedelta(minutes=step[1])):
            # a step may land after a night or a weekend: what happens before it comes first
            if (moment := next_event(cursor.working(cursor.now + timedelta(minutes=step[1])))) is not None:
                happen(moment)
                continue
            moved = False
            held: list[datetime] = []
            ready = ready_by_instance(list(instances))
            for instance_id, plan in instances.items():
                for task in ready.get(instance_id, ()):
                    if task.id in left_open:
                        continue
                    answer = held_answers.get(task.id)
                    if answer is None:
                        who_view = actor_for(task, None) if task.assignee is None else user(task.assignee)
                        view = get_task(task.id, who_view)
                        answer = plan(task, view.data, view.all_data)
                    if answer is None:
                        left_open.add(task.id)
                        continue
                    if answer.not_before is not None and answer.not_before > cursor.now:
                        held_answers[task.id] = answer
                        held.append(answer.not_before)
                        continue
                    if not within(cursor.now + timedelta(minutes=step[1])):
                        return
                    cursor.step(step)
                    complete_task(task.id, actor_for(task, answer.who), answer.submission)
                    db.session.commit()
                    cursor.settle()
                    done += 1
                    moved = True
                    break  # one item per instance per round: the instances' work interleaves
            if moved:
                continue
            nxt = min(held, default=None)
            if (moment := next_event(nxt)) is not None:
                happen(moment)
                continue
            if nxt is None or (until is not None and nxt > until) or not within(nxt):
                return
            cursor.go(nxt)
            cursor.settle()

    rounds()
    while bound is not None and (moment := next_event(None)) is not None:  # what falls before the bound
        happen(moment)
    return done


def ready_by_instance(instance_ids: list[Any]) -> dict[Any, list[HumanTask]]:
    """The ready items of the driven instances in one query (oldest first per instance)."""
    found: dict[Any, list[HumanTask]] = {}
    if instance_ids:
        for task in db.session.scalars(select(HumanTask).where(
                HumanTask.instance_id.in_(instance_ids), HumanTask.status == "READY").order_by(HumanTask.created_at)):
            found.setdefault(task.instance_id, []).append(task)
    return found


def instance_of(process_key: str, business_key: str, year: int | None = None) -> ProcessInstance | None:
    stmt = select(ProcessInstance).where(ProcessInstance.process_key == process_key,
                                         ProcessInstance.business_key == business_key)
    if year is not None:
        stmt = stmt.where(ProcessInstance.year == year)
    return db.session.scalars(stmt.order_by(ProcessInstance.started_at.desc())).first()
