"""The calendar of posts: a month or a week (and one day's full list), filtered by account or team, and rescheduling
a post from it (the same transition and permission as the draft's page: services.draft_reschedule,
tweets.reschedule_draft), back to the same month or week."""

from datetime import date, datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.formats import clip, when
from core.pagination import page_of
from core.params import row_id
from core.permissions import Refused, decide
from tweets import access, selectors, services
from tweets import calendar as cal
from tweets.forms import RescheduleForm
from tweets.models import Draft, PublishingFreeze
from tweets.views._common import S

# Posts shown in a day's cell before "and N more" (the day's page lists them all).
PER_DAY = {cal.MONTH: 3, cal.WEEK: 8}
DAY_PAGE_SIZE = 50


class View:
    """What the query string asks to see, read as far as it can be; `problems` says what was not understood."""

    def __init__(self, user, data: QueryDict, *, kind_default: str = cal.MONTH):
        self.problems: list[str] = []
        self.today = timezone.localdate()
        kind = data.get("view", "")
        if kind not in ("", cal.MONTH, cal.WEEK):
            self.problems.append("The calendar shows a month or a week, so it shows a month.")
        self.kind = kind if kind in (cal.MONTH, cal.WEEK) else kind_default
        self.day = self._day(data.get("day", ""))
        self.accounts = list(cal.accounts_in_calendar(user))
        self.teams = cal.teams_in_calendar(self.accounts)
        self.filters = self._filters(data.get("account", ""), data.get("team", ""))

    def _day(self, value: str) -> date:
        if not value:
            return self.today
        try:
            day = datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            day = None
        if day is None or not cal.in_reach(day):
            self.problems.append(f"The date was not one the calendar can show, so it shows today. {_DATE_HINT}")
            return self.today
        return day

    def _filters(self, account: str, team: str) -> cal.Filters:
        filters = cal.filters_for(self.accounts, account_id=row_id(account), team_id=row_id(team))
        if account and filters.account is None:
            self.problems.append("That account is not one you can see, so every account you can see is shown.")
        if team and filters.team is None:
            self.problems.append("That team is not one whose posts you can see, so every team is shown.")
        if filters.account is not None and filters.team is not None and filters.account.team_id != filters.team.pk:
            self.problems.append(f"{filters.account} is not one of {filters.team}'s accounts, so it is shown alone.")
            filters.team = None
        return filters

    def url(self, kind: str | None = None, day: date | None = None) -> str:
        """The calendar at another month or week, with the same filters."""
        return calendar_url(kind or self.kind, day or self.day, self.filters.query)

    @property
    def clear_url(self) -> str:
        return calendar_url(self.kind, self.day, {})


_DATE_HINT = "Dates are written like 2026-12-03."


def calendar_url(kind: str, day: date, filters: dict) -> str:
    return f"{reverse('tweets:calendar')}?{urlencode({'view': kind, 'day': day.isoformat(), **filters})}"


def day_url(day: date, filters: dict) -> str:
    return f"{reverse('tweets:calendar_day')}?{urlencode({'day': day.isoformat(), **filters})}"


def _post(user, draft: Draft, freezes: list[PublishingFreeze], back: str) -> dict:
    """A post as a calendar entry shows it: time, account, state, its first words, and what the person may do."""
    can_reschedule = (
        draft.state in (S.APPROVED, S.SCHEDULED, S.HELD) and decide(user, "tweets.reschedule_draft", draft).allowed
    )
    held_by = cal.will_be_held(draft, freezes)
    return {
        "pk": draft.pk,
        "url": draft.get_absolute_url(),
        "time": when(draft.at, "H:i"),
        "handle": f"@{draft.account.handle}",
        "state": draft.state,
        "state_label": draft.get_state_display(),
        "text": clip(draft.text, 60) or f"Draft {draft.pk} (no text)",
        "reschedule_url": f"{reverse('tweets:calendar_reschedule', args=[draft.pk])}?{back}" if can_reschedule else "",
        "will_be_held": held_by,
    }


def _freeze_row(freeze: PublishingFreeze) -> dict:
    return {
        "url": reverse("tweets:freeze_detail", args=[freeze.pk]),
        "scope": freeze.scope_label,
        "reason": clip(freeze.reason, 80),
        "since": when(freeze.started_at, "j M Y H:i"),
        "until": when(freeze.lifted_at, "j M Y H:i") if freeze.lifted_at else "",
    }


def _day_cell(view: View, day: date, posts: list[dict], total: int, freezes: list[PublishingFreeze], period) -> dict:
    # Each blocked day says "Frozen"; the first day of the freeze in view, its scope and reason too.
    blocked = [
        {**_freeze_row(freeze), "first": day == max(timezone.localdate(freeze.started_at), period.first)}
        for freeze in freezes
        if cal.blocks(freeze, day)
    ]
    return {
        "day": day,
        "label": f"{day:%A} {day.day} {day:%B}",
        "short": day.day,
        "in_period": period.first <= day <= period.last,
        "is_today": day == view.today,
        "posts": posts,
        "more": total - len(posts),
        "more_url": day_url(day, view.filters.query),
        "blocked": blocked,
    }


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    view = View(request.user, request.GET)
    period = cal.period_of(view.kind, view.day)
    freezes = cal.freezes_between(view.filters, period.start, period.end)
    per_day = cal.posts_by_day(request.user, view.filters.account_ids, period, per_day=PER_DAY[view.kind])
    back = urlencode({"view": view.kind, "day": view.day.isoformat(), **view.filters.query})
    cells = []
    for day in period.days:
        drafts, total = per_day.get(day, ([], 0))
        posts = [_post(request.user, draft, freezes, back) for draft in drafts]
        cells.append(_day_cell(view, day, posts, total, freezes, period))
    # The month as weeks from Monday, the days of the months either side left blank.
    lead_in = [None] * period.first.weekday()
    padded = lead_in + cells + [None] * (-(len(lead_in) + len(cells)) % 7)
    weeks = [padded[i : i + 7] for i in range(0, len(padded), 7)]
    return render(
        request,
        "tweets/calendar.html",
        {
            "view": view,
            "period": period,
            "weeks": weeks,
            "cells": cells,
            "freezes": [_freeze_row(freeze) for freeze in freezes],
            "previous_url": view.url(day=period.previous),
            "next_url": view.url(day=period.next),
            "today_url": view.url(day=view.today),
            "month_url": view.url(kind=cal.MONTH),
            "week_url": view.url(kind=cal.WEEK),
            "weekdays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        },
    )


@login_required
def calendar_day(request: HttpRequest) -> HttpResponse:
    """Every post of one day, a page at a time: where a calendar cell's "and N more" leads."""
    view = View(request.user, request.GET, kind_default=cal.MONTH)
    period = cal.period_of(cal.DAY, view.day)
    freezes = cal.freezes_between(view.filters, period.start, period.end)
    drafts = cal.posts_on(request.user, view.filters.account_ids, view.day)
    page = page_of(drafts, request.GET.get("page"), per_page=DAY_PAGE_SIZE)
    back = urlencode({"view": view.kind, "day": view.day.isoformat(), **view.filters.query})
    return render(
        request,
        "tweets/calendar_day.html",
        {
            "view": view,
            "period": period,
            "posts": [_post(request.user, draft, freezes, back) for draft in page.object_list],
            "page": page,
            "query": urlencode({"day": view.day.isoformat(), **view.filters.query}),
            "freezes": [_freeze_row(freeze) for freeze in freezes if cal.blocks(freeze, view.day)],
            "calendar_url": view.url(),
            "previous_url": day_url(period.previous, view.filters.query),
            "next_url": day_url(period.next, view.filters.query),
        },
    )


def _rescheduled_message(draft: Draft) -> str:
    moment = f"{when(draft.scheduled_at, 'l j F Y')} at {when(draft.scheduled_at, 'H:i')}"
    said = f"Rescheduled “{clip(draft.text, 40)}” on @{draft.account.handle} for {moment} (UK time)."
    if draft.state == S.SUBMITTED:
        return f"{said} Moving it earlier sent it back to the approvers: it needs approving again."
    freeze = selectors.freeze_for(draft.account)
    if freeze is not None:
        return (
            f"{said} {draft.account} is frozen ({clip(freeze.reason, 80)}), so it will be held when it is due "
            "unless the freeze is lifted first."
        )
    return said


@login_required
def calendar_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """A new time for a post, asked from the calendar; back to the month or week it was asked from."""
    draft = access.draft_for_user(request.user, pk)
    view = View(request.user, request.POST if request.method == "POST" else request.GET)
    back = view.url()
    refusal = decide(request.user, "tweets.reschedule_draft", draft).reason
    data = request.POST if request.method == "POST" else None
    form = RescheduleForm(data, initial={"scheduled_at": draft.scheduled_at})
    status = 403 if refusal else 400 if form.is_bound else 200
    if not refusal and form.is_bound and form.is_valid():
        try:
            draft = services.draft_reschedule(
                draft=draft, by=request.user, scheduled_at=form.cleaned_data["scheduled_at"], request=request
            )
        except Refused as exc:
            refusal, status = exc.reason, 403
        except services.DraftError as exc:
            form.add_error("scheduled_at", exc.message)
            status = 400
        else:
            messages.success(request, _rescheduled_message(draft))
            return redirect(back)
    freeze = selectors.freeze_for(draft.account)
    return render(
        request,
        "tweets/calendar_reschedule.html",
        {
            "draft": draft,
            "form": form,
            "refusal": refusal,
            "freeze": freeze,
            "forward_voids_approvals": services.forward_voids_approvals(request.user, draft),
            "back_url": back,
            "back": {"view": view.kind, "day": view.day.isoformat(), **view.filters.query},
            "time_now": when(draft.scheduled_at, "l j F Y, H:i") if draft.scheduled_at else "",
        },
        status=status,
    )
