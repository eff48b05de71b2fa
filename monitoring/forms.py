from django import forms
from django.conf import settings
from django.db.models import Q

from accounts.access import accounts_for_user
from accounts.models import Team, TwitterAccount, User
from core.forms import name_empty_choices
from monitoring.access import can_change_rule, monitors_for_user, watchlists_for_user
from monitoring.models import BUDGET_RANGE, X_MONTHLY_READ_CAP, InboxItem, Monitor, Priority, RoutingRule, Watchlist
from monitoring.services import RULE_FIELDS

GOVUK_INPUT = {"class": "govuk-input"}
GOVUK_SELECT = {"class": "govuk-select"}
GOVUK_TEXTAREA = {"class": "govuk-textarea", "rows": 3}


def _style(form: forms.Form) -> None:
    name_empty_choices(form)
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Textarea):
            widget.attrs.setdefault("class", "govuk-textarea")
            widget.attrs.setdefault("rows", 3)
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs.setdefault("class", "govuk-select")
        elif isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "govuk-checkboxes__input")
        else:
            widget.attrs.setdefault("class", "govuk-input")


# A query's canonical form may nest brackets twice as deep as it was typed, plus one, and packing it with others
# adds two: held to this, every packed query stays within what the parser accepts (twitter_api.query.MAX_NESTING).
MONITOR_MAX_NESTING = 10


def query_error(query: str) -> str | None:
    """A plain-English message pointing at the position of a query's mistake, or None if it is valid."""
    from twitter_api.query import QuerySyntaxError, parse

    try:
        parsed = parse(query, max_nesting=MONITOR_MAX_NESTING)
    except QuerySyntaxError as exc:
        position = getattr(exc, "position", None)
        message = getattr(exc, "message", str(exc))
        if position is None:
            return f"The query is not valid: {message}"
        pointer = query[max(0, position - 10) : position + 10]
        # The parser's message already names the character; quote the text around it too.
        return f"The query is not valid: {message} (near “{pointer}”)."
    length = len(str(parsed))
    limit = settings.X_QUERY_LENGTH_LIMIT
    if length > limit - 100:
        return f"The query is {length} characters; keep it under {limit - 100} so it fits X's limit of {limit}."
    return None


class MonitorForm(forms.ModelForm):
    class Meta:
        model = Monitor
        fields = ["name", "query", "poll_interval_seconds", "is_active"]
        widgets = {"query": forms.Textarea(attrs={"rows": 3, "class": "govuk-textarea dovecote-mono"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def clean_query(self):
        query = self.cleaned_data["query"].strip()
        error = query_error(query)
        if error:
            raise forms.ValidationError(error)
        return query

    def clean_poll_interval_seconds(self):
        value = self.cleaned_data["poll_interval_seconds"]
        if value < 60:
            raise forms.ValidationError("Poll at most once a minute: enter 60 seconds or more.")
        return value


class WatchlistForm(forms.ModelForm):
    class Meta:
        model = Watchlist
        fields = ["name", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class WatchlistEntryForm(forms.Form):
    username = forms.RegexField(
        regex=r"^@?[A-Za-z0-9_]{1,15}$",
        label="X handle",
        error_messages={"invalid": "Enter a handle of 1 to 15 letters, numbers or underscores, like @bbcnews."},
    )
    note = forms.CharField(required=False, max_length=200, label="Note (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


def _mine_or(visible, current_id):
    """The choices the user may see, and the rule's current one (which its changer may keep)."""
    return visible.model.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk=current_id))


class RoutingRuleForm(forms.ModelForm):
    """A rule's monitor, account and watchlist are chosen among the user's teams' (admins: all); the rule saved
    must be one the user may change (monitoring.access.can_change_rule)."""

    class Meta:
        model = RoutingRule
        fields = RULE_FIELDS

    def __init__(self, *args, user: User, rule: RoutingRule | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        current = rule or RoutingRule()
        self.fields["monitor"].queryset = _mine_or(monitors_for_user(user), current.monitor_id).select_related("team")
        self.fields["account"].queryset = _mine_or(accounts_for_user(user), current.account_id)
        self.fields["watchlist"].queryset = _mine_or(watchlists_for_user(user), current.watchlist_id).select_related(
            "team"
        )
        self.fields["route_to"].label = "Route to team"
        _style(self)

    def clean(self):
        data = super().clean()
        conditions = ["monitor", "account", "watchlist", "phrases", "sentiment_below", "language", "min_followers"]
        if not any(data.get(c) not in (None, "") for c in conditions):
            raise forms.ValidationError("Give the rule at least one condition, or it would catch every mention.")
        if not (data.get("route_to") or data.get("priority") or data.get("tags")):
            raise forms.ValidationError("Give the rule an action: a team to route to, a priority or tags.")
        candidate = RoutingRule(monitor=data.get("monitor"), account=data.get("account"), route_to=data.get("route_to"))
        if not can_change_rule(self.user, candidate):
            raise forms.ValidationError(
                "You can only make rules that route from or to a team you lead: choose one of your teams' monitors "
                "or accounts, or route to a team you lead. Ask that team's lead or an admin for anything else."
            )
        return data


class RuleTestForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea, label="Sample post", max_length=1000)
    author_username = forms.CharField(required=False, max_length=15, label="Author's handle")
    author_followers = forms.IntegerField(required=False, min_value=0, initial=100, label="Author's followers")
    lang = forms.CharField(required=False, max_length=10, initial="en", label="Language")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class InboxFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        help_text="Words in the post, or the author's handle or name. Every word must match.",
    )
    status = forms.ChoiceField(required=False, choices=[("open", "Open"), ("", "Any")] + list(InboxItem.Status.choices))
    priority = forms.ChoiceField(required=False, choices=[("", "Any")] + list(Priority.choices))
    monitor = forms.ModelChoiceField(required=False, queryset=Monitor.objects.none(), empty_label="Any")
    tag = forms.CharField(required=False, max_length=50)
    sentiment = forms.ChoiceField(
        required=False,
        choices=[("", "Any"), ("negative", "Negative"), ("neutral", "Neutral"), ("positive", "Positive")],
    )
    watchlist = forms.ModelChoiceField(
        required=False, queryset=Watchlist.objects.none(), empty_label="Any", label="Author on watchlist"
    )
    overdue = forms.BooleanField(required=False, label="Overdue only")
    mine = forms.BooleanField(required=False, label="Assigned to me")

    def __init__(self, *args, monitors=None, watchlists=None, **kwargs):
        super().__init__(*args, **kwargs)
        if monitors is not None:
            self.fields["monitor"].queryset = monitors
        if watchlists is not None:
            self.fields["watchlist"].queryset = watchlists
        _style(self)


# The inbox's query-string keys a saved search keeps (with the team).
FILTER_KEYS = ("q", "status", "priority", "monitor", "tag", "sentiment", "watchlist", "overdue", "mine")


class SavedSearchForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name this search", strip=True)
    params = forms.CharField(max_length=2000, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "saved_%s")
        super().__init__(*args, **kwargs)
        _style(self)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody")

    def __init__(self, *args, team=None, **kwargs):
        kwargs.setdefault("auto_id", "assign_%s")  # the item page shows all four forms: ids must differ
        super().__init__(*args, **kwargs)
        if team is not None:
            from accounts.models import Membership

            self.fields["assignee"].queryset = User.objects.filter(
                pk__in=Membership.objects.current().filter(team=team).values("user_id")
            )
        _style(self)


class EscalateForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all(), label="Pass to team")
    note = forms.CharField(widget=forms.Textarea, label="Note for that team", max_length=2000)

    def __init__(self, *args, exclude_team=None, **kwargs):
        kwargs.setdefault("auto_id", "escalate_%s")  # the item page shows all four forms: ids must differ
        super().__init__(*args, **kwargs)
        if exclude_team is not None:
            self.fields["team"].queryset = Team.objects.exclude(pk=exclude_team.pk)
        _style(self)


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea, label="Internal note", max_length=4000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "note_%s")  # the item page shows all four forms: ids must differ
        super().__init__(*args, **kwargs)
        _style(self)


class SavedReplyChoice(forms.ModelChoiceField):
    def label_from_instance(self, version) -> str:
        return f"{version.saved_reply.title} (@{version.saved_reply.account.handle}, version {version.number})"


class ReplyForm(forms.Form):
    account = forms.ModelChoiceField(queryset=TwitterAccount.objects.none(), label="Reply as")
    saved_reply = SavedReplyChoice(
        queryset=None,
        required=False,
        label="Start from a saved reply (optional)",
        empty_label="Write it myself",
        error_messages={"invalid_choice": "Choose one of your team's approved saved replies."},
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"data-shortcut": "reply"}), label="Reply", max_length=1000)

    def __init__(self, *args, accounts=None, saved_versions=None, **kwargs):
        from tweets.models import SavedReplyVersion

        kwargs.setdefault("auto_id", "reply_%s")  # the item page shows all four forms: ids must differ
        super().__init__(*args, **kwargs)
        if accounts is not None:
            self.fields["account"].queryset = accounts
        versions = saved_versions if saved_versions is not None else SavedReplyVersion.objects.none()
        self.fields["saved_reply"].queryset = versions
        _style(self)


class ReadBudgetForm(forms.Form):
    posts_limit = forms.IntegerField(
        min_value=0,
        max_value=X_MONTHLY_READ_CAP,
        label="Posts that may be read this month",
        error_messages={key: BUDGET_RANGE for key in ("required", "invalid", "min_value", "max_value")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class SpendBudgetForm(forms.Form):
    """A team's monthly spend budget on X (tweets.spend), set by one of its leads."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team",
        error_messages={"required": "Choose the team.", "invalid_choice": "Choose one of your teams."},
    )
    monthly_limit = forms.DecimalField(
        label="Monthly budget in US dollars",
        help_text="What the team's accounts and monitors may spend on X each month. Leads are warned at 80%.",
        min_value=0,
        max_value=1_000_000,
        max_digits=10,
        decimal_places=2,
        error_messages={
            "required": "Enter the monthly budget in US dollars, for example 50 or 12.50.",
            "invalid": "Enter the monthly budget as a number of US dollars, for example 50 or 12.50.",
            "min_value": "The monthly budget cannot be negative.",
            "max_value": "Enter a monthly budget of $1,000,000 or less.",
            "max_digits": "Enter a monthly budget of $1,000,000 or less.",
            "max_decimal_places": "Enter the budget in dollars and cents, with at most 2 decimal places.",
            "max_whole_digits": "Enter a monthly budget of $1,000,000 or less.",
        },
    )
    hold_at_limit = forms.BooleanField(
        required=False,
        label="At 100%, hold posts that are not essential until the month turns or the budget is raised",
    )

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()
        _style(self)


class BulkActionForm(forms.Form):
    """What to do to the items chosen on the inbox: every item the search and filters found, or those ticked."""

    scope = forms.ChoiceField(
        choices=[("selected", "The items I ticked"), ("all", "Every item the search and filters found")],
        initial="selected",
        widget=forms.RadioSelect,
        label="Which items",
    )
    action = forms.ChoiceField(
        choices=[
            ("assign", "Assign to someone"),
            ("tag", "Add a tag"),
            ("close", "Close with a reason"),
            ("escalate", "Pass on to another team"),
        ],
        label="Action",
    )
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, empty_label="Nobody")
    tag = forms.ModelChoiceField(queryset=None, required=False, empty_label="Choose a tag", label="Tag")
    reason = forms.CharField(required=False, max_length=500, label="Reason for closing")
    to_team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="Choose a team", label="Pass to team"
    )
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea, label="Note for that team")
    filters = forms.CharField(required=False, max_length=3000, widget=forms.HiddenInput)

    def __init__(self, *args, team=None, **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        from accounts.models import Membership
        from monitoring.models import TeamTag

        if team is not None:
            self.fields["assignee"].queryset = User.objects.filter(
                pk__in=Membership.objects.current().filter(team=team).values("user_id")
            ).order_by("first_name", "last_name", "email")
            self.fields["to_team"].queryset = Team.objects.exclude(pk=team.pk)
            self.fields["tag"].queryset = TeamTag.objects.filter(team=team)
        else:
            self.fields["tag"].queryset = TeamTag.objects.none()
        _style(self)
        self.fields["scope"].widget.attrs["class"] = "govuk-radios__input"

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "tag" and not data.get("tag"):
            self.add_error("tag", "Choose the tag to add.")
        if action == "close" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why these items need no action, for the record.")
        if action == "escalate":
            if not data.get("to_team"):
                self.add_error("to_team", "Choose the team to pass these items to.")
            if not (data.get("note") or "").strip():
                self.add_error("note", "Say why you are passing them on, so the other team knows what to do.")
        return data

    def params(self) -> dict:
        """The action's choices as the BulkAction row keeps them."""
        data, action = self.cleaned_data, self.cleaned_data["action"]
        if action == "assign":
            assignee = data.get("assignee")
            return {"assignee": assignee.pk if assignee else None, "assignee_name": str(assignee) if assignee else ""}
        if action == "tag":
            return {"tag": data["tag"].name}
        if action == "close":
            return {"reason": data["reason"].strip()}
        return {"to_team": data["to_team"].pk, "to_team_name": str(data["to_team"]), "note": data["note"].strip()}


class TeamTagForm(forms.Form):
    name = forms.RegexField(
        regex=r"^[^\W_][\w \-]{0,49}$",
        strip=True,
        max_length=50,
        label="Tag",
        help_text="Letters, numbers, spaces and hyphens, for example: refunds or complaint.",
        error_messages={"invalid": "Use letters, numbers, spaces and hyphens, starting with a letter or number."},
    )
    description = forms.CharField(required=False, max_length=200, label="What it is for (optional)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "tag_%s")
        super().__init__(*args, **kwargs)
        _style(self)
