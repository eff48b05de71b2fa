from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.permissions import decide, ensure
from monitoring import budget
from monitoring.access import usage_for_user
from monitoring.forms import ReadBudgetForm
from monitoring.models import PollCursor, PollRun

# --- Usage and budget -------------------------------------------------------------------------------


@login_required
def usage(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    state = budget.budget_state(now)
    month_start, month_end = budget.month_window(state.month)
    price = budget.settings.X_PRICE_PER_POST_READ
    by_day = list(
        budget.calls_in(state.month)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(calls=Count("id"), posts_read=Sum("posts_read"))
        .order_by("-day")
    )
    for row in by_day:
        row["cost"] = (row["posts_read"] or 0) * price
    by_source = list(
        usage_for_user(request.user)
        .filter(day__gte=state.month)
        .values("monitor_id", "monitor__name", "monitor__team__name", "account__handle")
        .annotate(calls=Sum("api_calls"), posts_read=Sum("posts_read"))
        .order_by("-posts_read")
    )
    for row in by_source:
        row["cost"] = (row["posts_read"] or 0) * price
    can_set = decide(request.user, "monitoring.set_budget").allowed
    form = ReadBudgetForm(initial={"posts_limit": state.limit})
    paused_cursors = PollCursor.objects.filter(is_active=True, paused_until__gt=now).count()
    posts_set_aside = (
        PollRun.objects.filter(started_at__gte=month_start, started_at__lt=month_end).aggregate(n=Sum("skipped"))["n"]
        or 0
    )
    return render(
        request,
        "monitoring/usage.html",
        {
            "budget": state,
            "by_day": by_day,
            "by_source": by_source,
            "form": form,
            "can_set": can_set,
            "price": price,
            "paused_cursors": paused_cursors,
            "posts_set_aside": posts_set_aside,
        },
    )


@login_required
@require_POST
def budget_set(request: HttpRequest) -> HttpResponse:
    ensure(request.user, "monitoring.set_budget")
    form = ReadBudgetForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["posts_limit"][0])
        return redirect("monitoring:usage")
    budget.budget_set(month=budget.month_start(), posts_limit=form.cleaned_data["posts_limit"], by=request.user)
    messages.success(request, f"This month's read budget is now {form.cleaned_data['posts_limit']:,} posts.")
    return redirect("monitoring:usage")
