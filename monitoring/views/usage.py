from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import accounts_for_user, teams_for_user, teams_led_by
from core.permissions import decide, ensure
from monitoring import budget, network_ingest, post_metrics, push
from monitoring.access import usage_for_user
from monitoring.forms import ReadBudgetForm, SpendBudgetForm
from monitoring.models import PollCursor, PollRun
from tweets import spend
from twitter_api import prices

# --- Usage and budget -------------------------------------------------------------------------------


def _spend_context(request: HttpRequest, *, now, spend_form: SpendBudgetForm | None = None) -> dict:
    """Each of the user's teams' and accounts' spend this month (reads and writes, in dollars) against the teams'
    spend budgets, and the form a lead sets one with (for the teams they lead)."""
    user = request.user
    team_states = spend.states(teams_for_user(user).order_by("name"), now=now)
    accounts = list(accounts_for_user(user).order_by("team__name", "handle"))
    by_account = spend.spend_by_account(spend.month_of(now), [a.pk for a in accounts])
    led = teams_led_by(user).order_by("name")
    if spend_form is None and led.exists():
        spend_form = SpendBudgetForm(teams=led)
    return {
        "team_spend": team_states,
        "spend_warnings": [s for s in team_states if s.warning],
        "account_spend": [(account, by_account.get(account.pk, spend.Spend())) for account in accounts],
        "spend_form": spend_form,
        "prices": prices.current(),
    }


@login_required
def usage(request: HttpRequest) -> HttpResponse:
    return _usage(request)


def _usage(request: HttpRequest, *, spend_form: SpendBudgetForm | None = None, status: int = 200) -> HttpResponse:
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
    # Own posts' figures (monitoring.post_metrics) of the accounts one can see, read within the same budget.
    by_source += post_metrics.reads_by_account(accounts_for_user(request.user), state.month)
    can_set = decide(request.user, "monitoring.set_budget").allowed
    form = ReadBudgetForm(initial={"posts_limit": state.limit})
    # X's own: polls of Bluesky and Mastodon (monitoring.network_ingest) are neither X's rate limits nor its posts.
    on_other_networks = PollCursor.objects.filter(network_ingest.due_filter())
    paused_cursors = (
        PollCursor.objects.filter(is_active=True, paused_until__gt=now).exclude(pk__in=on_other_networks).count()
    )
    posts_set_aside = (
        PollRun.objects.filter(started_at__gte=month_start, started_at__lt=month_end)
        .exclude(cursor__in=on_other_networks)
        .aggregate(n=Sum("skipped"))["n"]
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
            "stream": push.health_summary(),
            **_spend_context(request, now=now, spend_form=spend_form),
        },
        status=status,
    )


@login_required
@require_POST
def spend_budget_set(request: HttpRequest) -> HttpResponse:
    """A lead sets one of their teams' monthly spend budget (and whether to hold posts at 100%); audited."""
    ensure(request.user, "accounts.manage_team")  # a lead of some team, or an admin; the team is checked below
    form = SpendBudgetForm(request.POST, teams=teams_led_by(request.user))
    if not form.is_valid():
        return _usage(request, spend_form=form, status=400)
    data = form.cleaned_data
    spend.spend_budget_set(
        team=data["team"],
        monthly_limit=data["monthly_limit"],
        hold_at_limit=data["hold_at_limit"],
        by=request.user,
        request=request,
    )
    held = " Posts that are not essential are held at 100%." if data["hold_at_limit"] else ""
    messages.success(request, f"{data['team']}'s spend budget is now ${data['monthly_limit']:,.2f} a month.{held}")
    return redirect("monitoring:usage")


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
