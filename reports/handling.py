"""Time it takes: how long inbox items were in hand, per item and per person per day, against the guidance.

An item is "in hand" from the first time someone takes it on (claimed, or assigned so that it moved to in
progress) to the first time it is finished (replied, closed with no action, or passed on). Per item that is the
handling time; per person per day it is the time that person had at least one item in hand that day (overlapping
items count once), UK days. The government's guidance expects running an account to take under an hour a day
(`GUIDANCE_MINUTES_PER_DAY`): a day over it is flagged, so a lead sees when a team is drowning and should pass
work on. Time in hand is an upper bound on effort (an item claimed before lunch and closed after is in hand over
lunch), which is why the flag says "in hand", not "worked".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from accounts.models import person_name
from monitoring.models import InboxItem

GUIDANCE_MINUTES_PER_DAY = 60
UNASSIGNED = "Nobody (unassigned when finished)"
FINISHED = (InboxItem.Status.REPLIED, InboxItem.Status.NO_ACTION, InboxItem.Status.ESCALATED)


@dataclass
class PersonWeek:
    person: str
    minutes_by_day: list[int]  # Monday to Sunday
    items: int = 0

    @property
    def total_minutes(self) -> int:
        return sum(self.minutes_by_day)

    @property
    def days_over(self) -> int:
        return sum(m > GUIDANCE_MINUTES_PER_DAY for m in self.minutes_by_day)


@dataclass
class Handling:
    """What reports/weekly.py shows and writes to CSV under "Time it takes"."""

    durations_seconds: list[float] = field(default_factory=list)
    people: list[PersonWeek] = field(default_factory=list)
    guidance_minutes: int = GUIDANCE_MINUTES_PER_DAY

    @property
    def days_over(self) -> int:
        """Person-days over the guidance this week."""
        return sum(p.days_over for p in self.people)

    @property
    def drowning(self) -> bool:
        return self.days_over > 0

    @property
    def busiest_day_minutes(self) -> int:
        return max((m for p in self.people for m in p.minutes_by_day), default=0)


def _in_hand(items: QuerySet, start: datetime, end: datetime) -> list[tuple[int | None, str, datetime, datetime]]:
    """(person id, person, taken on, finished) for each item finished in [start, end), in one query."""
    rows = (
        items.annotate(
            taken_at=Min("events__created_at", filter=Q(events__to_status=InboxItem.Status.IN_PROGRESS)),
            finished_at=Min("events__created_at", filter=Q(events__to_status__in=FINISHED)),
        )
        .filter(finished_at__gte=start, finished_at__lt=end, taken_at__isnull=False)
        .values_list(
            "assigned_to_id", "assigned_to__first_name", "assigned_to__last_name", "assigned_to__email",
            "taken_at", "finished_at",
        )
    )  # fmt: skip
    return [
        (person_id, person_name(first, last, email) if person_id else UNASSIGNED, taken, finished)
        for person_id, first, last, email, taken, finished in rows
        if finished > taken
    ]


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    return (
        timezone.make_aware(datetime.combine(day, time.min)),
        timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)),
    )


def _union_seconds(intervals: list[tuple[datetime, datetime]], low: datetime, high: datetime) -> float:
    """Seconds inside [low, high) covered by at least one interval."""
    clipped = sorted((max(s, low), min(e, high)) for s, e in intervals if s < high and e > low)
    total = 0.0
    current_start = current_end = None
    for s, e in clipped:
        if current_end is None or s > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = s, e
        else:
            current_end = max(current_end, e)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return total


def handling_for_week(items: QuerySet, week_start: date) -> Handling:
    """Handling times of items finished in the week starting week_start (UK time), one query."""
    days = [week_start + timedelta(days=k) for k in range(7)]
    start, _ = _day_bounds(days[0])
    _, end = _day_bounds(days[-1])
    rows = _in_hand(items, start, end)
    handling = Handling(durations_seconds=[(f - t).total_seconds() for _, _, t, f in rows])
    by_person: dict[tuple[int | None, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    for person_id, person, taken, finished in rows:
        by_person[(person_id, person)].append((taken, finished))
    for (_, person), intervals in sorted(by_person.items(), key=lambda kv: kv[0][1].lower()):
        minutes = [round(_union_seconds(intervals, *_day_bounds(day)) / 60) for day in days]
        handling.people.append(PersonWeek(person=person, minutes_by_day=minutes, items=len(intervals)))
    return handling
