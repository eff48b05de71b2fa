"""Periodic work for media: files uploaded on the compose page but never saved into a draft are forgotten."""

from datetime import timedelta

from django.utils import timezone

from tweets.media_models import MediaFile

UNATTACHED_KEPT_FOR = timedelta(days=2)


def media_unattached_purge() -> int:
    """Delete files (and their stored content) attached to no draft after two days; how many. Safe to run twice."""
    old = MediaFile.objects.filter(draft__isnull=True, created_at__lt=timezone.now() - UNATTACHED_KEPT_FOR)
    removed = 0
    for file in old.filter(uses__isnull=True).iterator():
        file.file.delete(save=False)
        removed += MediaFile.objects.filter(pk=file.pk, draft__isnull=True).delete()[0]
    return removed
