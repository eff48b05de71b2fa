"""Keyword monitors, watchlists, routing rules, stored mentions, team inboxes, poll cursors and read budgets."""

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team, TwitterAccount, User
from core.paths import path_with_pk
from monitoring.search import MENTION_SEARCH
from networks import X
from networks.base import LABELS


class Monitor(models.Model):
    """A saved X search query owned by a team (brand, minister, flagship policy, event)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="monitors")
    name = models.CharField(max_length=120)
    query = models.TextField(help_text="An X search query, for example: (passport OR visa) delay lang:en")
    is_active = models.BooleanField(default=True)
    poll_interval_seconds = models.PositiveIntegerField(
        default=300, help_text="How often to ask X for new posts, in seconds (at least 60)."
    )
    # Newest post id this monitor has been polled past; a new monitor starts from the newest stored post.
    since_id = models.BigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="monitor_name_unique_per_team")]

    def __str__(self) -> str:
        return self.name


class Watchlist(models.Model):
    """Handles a team keeps an eye on: journalists, influencers, stakeholders, ministers."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="watchlists")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="watchlist_name_unique_per_team")]

    def __str__(self) -> str:
        return self.name


class WatchlistEntry(models.Model):
    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="entries")
    username = models.CharField(max_length=50, help_text="The X handle, without the @.")
    note = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["username"]
        constraints = [models.UniqueConstraint(fields=["watchlist", "username"], name="watchlist_entry_unique")]

    def __str__(self) -> str:
        return f"@{self.username}"

    def save(self, *args, **kwargs):
        self.username = self.username.lstrip("@").lower()
        super().save(*args, **kwargs)


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


def due_hours(priority: str) -> int:
    """Hours allowed to answer an item of this priority (settings.MONITORING_DUE_HOURS)."""
    return settings.MONITORING_DUE_HOURS.get(priority, settings.MONITORING_DUE_HOURS["normal"])


THRESHOLD_RANGE = "Enter a sentiment threshold between -1 and 1."
# Pay-per-use plans are capped at 3 million post reads a month (reference/x-platform-2026.md, "Monthly cap").
X_MONTHLY_READ_CAP = 3_000_000
BUDGET_RANGE = f"Enter a number of posts between 0 and {X_MONTHLY_READ_CAP:,} (X's monthly cap on pay-per-use plans)."


class RoutingRule(models.Model):
    """One ordered rule: every condition set must hold; actions route, set priority and add tags.

    Rules are checked in order. The first matching rule that names a team decides the team, the first
    that sets a priority decides the priority, and every matching rule adds its tags.
    """

    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0, db_index=True)
    is_active = models.BooleanField(default=True)
    # Conditions.
    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, null=True, blank=True, related_name="rules")
    account = models.ForeignKey(
        TwitterAccount,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="account mentioned",
    )
    watchlist = models.ForeignKey(
        Watchlist,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name="author on watchlist",
    )
    phrases = models.TextField(blank=True, help_text="Words or phrases, one a line; any one of them matches.")
    sentiment_below = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(-1, THRESHOLD_RANGE), MaxValueValidator(1, THRESHOLD_RANGE)],
        help_text="Match when sentiment is below this (from -1 very negative to 1 very positive).",
    )
    language = models.CharField(max_length=10, blank=True, help_text="A language code such as en or cy.")
    min_followers = models.PositiveIntegerField(
        null=True, blank=True, help_text="Author has at least this many followers."
    )
    # Actions.
    route_to = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    tags = models.CharField(max_length=200, blank=True, help_text="Comma-separated tags to add.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def phrase_list(self) -> list[str]:
        return [p.strip().lower() for p in self.phrases.splitlines() if p.strip()]

    @property
    def tag_list(self) -> list[str]:
        return [t.strip().lower() for t in self.tags.split(",") if t.strip()]


class Mention(models.Model):
    """A post found by a monitor or a mention timeline. Stored once per X post id."""

    tweet_id = models.BigIntegerField(unique=True)
    text = models.TextField()
    posted_at = models.DateTimeField(db_index=True)
    lang = models.CharField(max_length=10, blank=True)
    author_x_id = models.CharField(max_length=255)
    author_username = models.CharField(max_length=50, blank=True)
    author_name = models.CharField(max_length=100, blank=True)
    author_verified = models.BooleanField(default=False)
    author_followers = models.PositiveIntegerField(default=0)
    conversation_id = models.CharField(max_length=300, blank=True)
    reply_to_post_id = models.CharField(max_length=300, blank=True)
    is_retweet = models.BooleanField(default=False)
    # Nullable so SQLite adds the column in place: a NOT NULL one rebuilds the table, and with it the search index,
    # which exists on PostgreSQL only. Empty (or null) when the post quotes nothing.
    quoted_post_id = models.CharField(max_length=30, null=True, blank=True, help_text="The post it quotes, if any.")
    sentiment = models.FloatField(default=0.0, help_text="VADER compound score, -1 to 1.")
    found_at = models.DateTimeField(default=timezone.now)
    # A direct message sent privately to one of our accounts (X's dm_event id in tweet_id: X mints DM event ids
    # and post ids from the same id generator). Shown only to the owning team, never exported without a reason.
    is_direct_message = models.BooleanField(default=False, db_default=False)
    dm_conversation_id = models.CharField(max_length=64, blank=True, default="", db_default="")
    # A post on Bluesky or Mastodon (networks): its network, its own id there (an at:// URI, a status id) and where
    # people read it; tweet_id is then a local id minted from its time (networks.base.stored_id), so every post sorts
    # by time together. Null for X. Nullable so SQLite adds the columns in place.
    network = models.CharField(max_length=20, null=True, blank=True)
    network_post_id = models.CharField(max_length=300, null=True, blank=True)
    network_url = models.URLField(max_length=500, null=True, blank=True)

    class Meta:
        ordering = ["-tweet_id"]
        # Every index on the ingest path's tables is written for every post stored (thousands a second
        # when a backlog is read), so only those that reads use: here a plain btree for watchlist authors,
        # without db_index's extra LIKE index; no FK index another index already leads with.
        indexes = [
            models.Index(fields=["author_username"], name="mention_author_idx"),
            # Full-text search of the inbox (monitoring.search), on PostgreSQL only (migration 0008).
            GinIndex(MENTION_SEARCH, name="mention_search_idx"),
            # The conversation an inbox item belongs to is read by conversation id (monitoring.conversation).
            models.Index(fields=["conversation_id"], name="mention_conversation_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "network_post_id"],
                condition=models.Q(network_post_id__isnull=False),
                name="mention_network_post_once",
            )
        ]

    def __str__(self) -> str:
        return f"@{self.author_username}: {self.text[:60]}"

    @property
    def network_label(self) -> str:
        """Where the post was made: "X", "Bluesky" or "Mastodon"."""
        return LABELS.get(self.network or X, "X")

    @property
    def url(self) -> str:
        if self.network_url or self.network:
            return self.network_url or ""  # a Bluesky or Mastodon post's link, never one on X
        if self.is_direct_message:
            return f"https://x.com/messages/{self.dm_conversation_id}" if self.dm_conversation_id else ""
        return f"https://x.com/{self.author_username or 'i'}/status/{self.tweet_id}"


class MentionMatch(models.Model):
    """Why a mention was stored: a monitor's query matched it, or it mentioned one of our accounts."""

    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="matches")
    monitor = models.ForeignKey(  # indexed by (monitor, matched_at)
        Monitor, on_delete=models.CASCADE, null=True, blank=True, related_name="matches", db_index=False
    )
    account = models.ForeignKey(TwitterAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    matched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mention", "monitor"], condition=Q(monitor__isnull=False), name="mention_match_monitor_unique"
            ),
            models.UniqueConstraint(
                fields=["mention", "account"], condition=Q(account__isnull=False), name="mention_match_account_unique"
            ),
        ]
        indexes = [models.Index(fields=["monitor", "matched_at"])]

    def __str__(self) -> str:
        return f"Mention {self.mention_id} matched {self.monitor or self.account}"


class InboxItem(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_PROGRESS = "in_progress", "In progress"
        REPLIED = "replied", "Replied"
        NO_ACTION = "no_action", "No action"
        ESCALATED = "escalated", "Escalated"

    OPEN_STATUSES = (Status.NEW, Status.IN_PROGRESS)
    STATUS_TAGS = {  # GOV.UK tag colours
        Status.NEW: "govuk-tag--blue",
        Status.IN_PROGRESS: "govuk-tag--yellow",
        Status.REPLIED: "govuk-tag--green",
        Status.ESCALATED: "govuk-tag--purple",
        Status.NO_ACTION: "govuk-tag--grey",
    }

    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="inbox_items")
    team = models.ForeignKey(  # indexed by (team, status, due_at) and (team, created_at)
        Team, on_delete=models.CASCADE, related_name="inbox_items", db_index=False
    )
    account = models.ForeignKey(
        TwitterAccount,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Account mentioned.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    due_at = models.DateTimeField()
    assigned_to = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    escalated_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="escalations", db_index=False
    )
    escalation_note = models.TextField(blank=True)
    # A direct message's item: only its team's members see it (monitoring.access), admins of other teams included.
    is_private = models.BooleanField(default=False, db_default=False)
    reply_draft = models.ForeignKey(  # indexed where set: most items have no reply
        "tweets.Draft", on_delete=models.SET_NULL, null=True, blank=True, related_name="inbox_items", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # Routing creates one item per mention; escalations add more, pointing back at it.
            models.UniqueConstraint(
                fields=["mention"], condition=Q(escalated_from__isnull=True), name="one_routed_item_per_mention"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status", "due_at"]),
            # The weekly report (by arrival) and the dashboard's "assigned to me".
            models.Index(fields=["team", "created_at"]),
            models.Index(fields=["assigned_to", "status", "due_at"]),
            models.Index(
                fields=["reply_draft"], condition=Q(reply_draft__isnull=False), name="inboxitem_reply_draft_idx"
            ),
            # Open items only (a small share of a busy inbox), in due order: the inbox's first pages and counts,
            # and the dashboard's counts per team, read from the index alone.
            models.Index(
                fields=["team", "due_at", "id"],
                include=["assigned_to"],
                condition=Q(status__in=["new", "in_progress"]),
                name="inboxitem_open_due",
            ),
            models.Index(
                fields=["team", "priority", "due_at", "id"],
                condition=Q(status__in=["new", "in_progress"]),
                name="inboxitem_open_priority_due",
            ),
            # Open items passed on from another team: the top of the receiving team's dashboard.
            models.Index(
                fields=["team", "created_at"],
                condition=Q(status__in=["new", "in_progress"], escalated_from__isnull=False),
                name="inboxitem_open_passed_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mention} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return path_with_pk("monitoring:item_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def status_tag(self) -> str:
        return self.STATUS_TAGS.get(self.status, "govuk-tag--grey")

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()

    @staticmethod
    def due_for(priority: str, start=None):
        return (start or timezone.now()) + timedelta(hours=due_hours(priority))


class InboxItemTag(models.Model):
    item = models.ForeignKey(  # indexed by the unique (item, name)
        InboxItem, on_delete=models.CASCADE, related_name="tags", db_index=False
    )
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["item", "name"], name="inbox_tag_unique")]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class InboxNote(models.Model):
    """An internal note on an item: never sent to X."""

    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on item {self.item_id}"


class InboxItemEvent(models.Model):
    """History of an item: who did what, when, from which status to which."""

    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        # Time to first response in the weekly report.
        indexes = [models.Index(fields=["item", "to_status", "created_at"])]

    def __str__(self) -> str:
        return f"Item {self.item_id}: {self.action}"


class PollCursor(models.Model):
    """Where polling has got to for one mention timeline or one packed group of monitors.

    Search cursors are keyed by a hash of their members and query, so repacking keeps the groups that
    did not change; a new group starts from the oldest position of its members.
    """

    class Kind(models.TextChoices):
        TIMELINE = "timeline", "Mention timeline"
        SEARCH = "search", "Search"
        DIRECT = "direct", "Direct messages"
        NETWORK_SEARCH = "netsearch", "Search on Bluesky or Mastodon"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(TwitterAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    monitors = models.ManyToManyField(Monitor, blank=True, related_name="cursors")
    # A mentions search covers several accounts' mentions in one query (MONITORING_MENTIONS_SOURCE="search").
    accounts = models.ManyToManyField(TwitterAccount, blank=True, related_name="+")
    query = models.TextField(blank=True)
    interval_seconds = models.PositiveIntegerField(default=300)
    is_active = models.BooleanField(default=True)
    since_id = models.BigIntegerField(null=True, blank=True)
    # A poll reads newest first and stops at MONITORING_MAX_PAGES. If it stopped before reaching since_id, the
    # posts between since_id and the oldest it read are a backlog: the next polls read them (older than
    # backlog_until_id) before anything newer, and since_id moves to backlog_newest_id once they are all read.
    backlog_until_id = models.BigIntegerField(null=True, blank=True)
    backlog_newest_id = models.BigIntegerField(null=True, blank=True)
    # On Bluesky and Mastodon (networks), where reading got to as the network's own cursor (an at:// URI, a status id,
    # whatever the provider hands back as XPage.newest_id): kept here as since_id is for X, and moved in the same
    # transaction that stores what was read. Nullable so SQLite adds the column in place.
    network_cursor = models.CharField(max_length=500, null=True, blank=True)
    next_poll_at = models.DateTimeField(default=timezone.now)
    paused_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        if self.kind == self.Kind.TIMELINE:
            return f"Mentions of {self.account or self.query}"
        if self.kind == self.Kind.DIRECT:
            return f"Direct messages to {self.account}"
        if self.kind == self.Kind.NETWORK_SEARCH:
            return f"{self.account.network_label if self.account else 'Network'} search for {self.query}"
        return f"Search group {self.pk}"

    @property
    def context(self) -> str:
        """Label on the metered API calls, to attribute reads to this cursor."""
        return f"monitoring:{self.kind}:{self.pk}"


class PollRun(models.Model):
    """One poll of one cursor: what it read and stored (kept for the usage page)."""

    cursor = models.ForeignKey(PollCursor, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    api_calls = models.PositiveIntegerField(default=0)
    posts_read = models.PositiveIntegerField(default=0)
    posts_new = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Malformed posts logged and skipped.")

    def __str__(self) -> str:
        return f"Poll of cursor {self.cursor_id} at {self.started_at:%Y-%m-%d %H:%M}"


class MonitorUsage(models.Model):
    """Reads and calls attributed to a monitor (or a timeline) per day, split across a group's monitors."""

    day = models.DateField()
    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, null=True, blank=True, related_name="usage")
    account = models.ForeignKey(TwitterAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    api_calls = models.FloatField(default=0)
    posts_read = models.FloatField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "monitor"], condition=Q(monitor__isnull=False), name="usage_monitor_day_unique"
            ),
            models.UniqueConstraint(
                fields=["day", "account"], condition=Q(account__isnull=False), name="usage_account_day_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.monitor_id or self.account_id}"


class ReadBudget(models.Model):
    """The month's budget of posts read, overriding settings.X_MONTHLY_READ_BUDGET for that month."""

    month = models.DateField(unique=True, help_text="The first day of the month.")
    posts_limit = models.PositiveIntegerField(validators=[MaxValueValidator(X_MONTHLY_READ_CAP, BUDGET_RANGE)])
    set_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    warned_at = models.DateTimeField(null=True, blank=True)
    exhausted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}: {self.posts_limit:,} posts"


class SpikeAlert(models.Model):
    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="spikes")
    hour_start = models.DateTimeField()
    count = models.PositiveIntegerField()
    baseline = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["monitor", "hour_start"], name="one_spike_per_monitor_hour")]

    def __str__(self) -> str:
        return f"Spike of {self.count} for monitor {self.monitor_id}"


class MonitorHour(models.Model):
    """One monitor's matches in one closed hour, counted once.

    An hour is closed once the next has settled (a match is stamped with the time its poll began, and a poll
    commits within seconds), and nothing changes it after. The dashboard's sparklines count each closed hour
    from the matches once, store it here (zero included, so a quiet hour is not counted again), and read
    these rows from then on; only the hour in progress is counted from the matches on every refresh.
    """

    monitor = models.ForeignKey(Monitor, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    matches = models.PositiveIntegerField()
    sentiment_sum = models.FloatField(help_text="The matched mentions' VADER scores added up.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["monitor", "hour"], name="monitor_hour_unique")]

    def __str__(self) -> str:
        return f"Monitor {self.monitor_id}, {self.hour:%Y-%m-%d %H:00}: {self.matches}"


from monitoring.models_push import AccountEvent  # noqa: E402,F401  (monitoring's model too)
from monitoring.models_work import BulkAction, SavedSearch, TeamTag  # noqa: E402,F401  (monitoring's models too)
