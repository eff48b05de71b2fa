"""Metering: one ApiCall row per HTTP request to X, so cost can be shown and a read budget enforced."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone


def cost_expression():
    """Each call's cost in US dollars: the one the meter recorded, else (rows from before it recorded one) its
    posts read and created at the price list's plain prices."""
    money = DecimalField(max_digits=12, decimal_places=4)
    read = Value(Decimal(str(settings.X_PRICE_PER_POST_READ)), output_field=money)
    post = Value(Decimal(str(settings.X_PRICE_PER_POST_CREATED)), output_field=money)
    return Coalesce(F("cost"), F("posts_read") * read + F("posts_created") * post, output_field=money)


class ApiCallQuerySet(models.QuerySet):
    def since(self, when):
        return self.filter(created_at__gte=when)

    def totals(self) -> dict:
        """Calls, posts read and created, and their cost in US dollars, in one query."""
        # Aliases apart from the field names, which the cost expression reads.
        sums = self.aggregate(
            n_calls=Count("id"),
            n_read=Coalesce(Sum("posts_read"), 0),
            n_created=Coalesce(Sum("posts_created"), 0),
            dollars=Sum(cost_expression()),
        )
        return {
            "calls": sums["n_calls"],
            "posts_read": sums["n_read"],
            "posts_created": sums["n_created"],
            "cost": round(float(sums["dollars"] or 0), 4),
        }


class ApiCall(models.Model):
    """One HTTP request to X (each page of a paginated read is its own row), successful or not."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    endpoint = models.CharField(max_length=80, help_text="Path with ids replaced, e.g. /2/users/:id/mentions.")
    method = models.CharField(max_length=10)
    account = models.ForeignKey(
        "accounts.TwitterAccount", on_delete=models.SET_NULL, null=True, blank=True, related_name="api_calls"
    )
    context = models.CharField(max_length=100, blank=True, db_index=True, help_text="Who asked, e.g. a monitor.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty if X never answered.")
    posts_read = models.PositiveIntegerField(default=0)
    posts_created = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="What X charges for it in US dollars, by the price list when it was made (twitter_api.prices).",
    )
    rate_limit_limit = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_remaining = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_reset = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    objects = ApiCallQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "X API call"

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status_code or 'no answer'}"


class CreditsBlockQuerySet(models.QuerySet):
    def open(self):
        return self.filter(restored_at__isnull=True)

    def blocking(self, *, reads: bool):
        """Open blocks that stop this kind of call: every call when credits ran out; reads also at the read cap."""
        scopes = [CreditsBlock.Scope.ALL, CreditsBlock.Scope.READS] if reads else [CreditsBlock.Scope.ALL]
        return self.open().filter(scope__in=scopes)


class CreditsBlock(models.Model):
    """X refused for money (twitter_api.errors.CreditsExhausted): from then on nothing in its scope is sent to X
    until an admin says credits are restored (twitter_api.credits). One open row per scope."""

    class Scope(models.TextChoices):
        ALL = "all", "Every call: the credits are used up"
        READS = "reads", "Reads of posts: the monthly read cap is reached"

    scope = models.CharField(max_length=10, choices=Scope.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="What X answered: 402 or 429.")
    detail = models.CharField(max_length=300, blank=True, help_text="X's own words.")
    endpoint = models.CharField(max_length=80, blank=True, help_text="The call X refused first.")
    started_at = models.DateTimeField(default=timezone.now)
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    restore_note = models.TextField(blank=True)

    objects = CreditsBlockQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope"], condition=models.Q(restored_at__isnull=True), name="one_open_block_per_scope"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} since {self.started_at:%Y-%m-%d %H:%M}"
