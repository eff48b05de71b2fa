"""Media attached to drafts: the files (cleaned, in Django's default storage), which revision shows which file
with which alt text, and the uploads of each file to X (an id X keeps for a while, reused while it is valid).

Imported by tweets.models, so Django finds these models in the tweets app.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


def _media_path(instance: "MediaFile", filename: str) -> str:
    # The stored name never repeats the person's file name (it may say more than they meant to share).
    return f"drafts/{timezone.now():%Y/%m}/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class MediaFile(models.Model):
    """One file as stored after checking and cleaning (images without location or camera metadata). Never
    changed once saved: a different picture is a different file."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        GIF = "gif", "Animated GIF"
        VIDEO = "video", "Video"
        CAPTIONS = "captions", "Captions (SRT)"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    file = models.FileField(upload_to=_media_path, max_length=200)
    original_name = models.CharField(max_length=200, blank=True, help_text="As the person's computer named it.")
    mime_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The draft it was first attached to; until then only its uploader may use it.
    draft = models.ForeignKey("tweets.Draft", on_delete=models.CASCADE, null=True, blank=True, related_name="media")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_name or self.pk}"

    def save(self, *args, **kwargs):
        if self.pk is not None and "update_fields" not in kwargs:
            raise PermissionError("Media files cannot be changed; attach a new file instead.")
        super().save(*args, **kwargs)

    @property
    def extension(self) -> str:
        return {
            "image/jpeg": "jpg",
            "image/png": "png",
            "image/gif": "gif",
            "image/webp": "webp",
            "video/mp4": "mp4",
            "video/quicktime": "mov",
            "text/srt": "srt",
        }.get(self.mime_type, "bin")

    @property
    def duration_seconds(self) -> str:
        return f"{self.duration_ms / 1000:.1f}" if self.duration_ms else ""

    @property
    def is_visual(self) -> bool:
        return self.kind in (self.Kind.IMAGE, self.Kind.GIF)


class RevisionMedia(models.Model):
    """One file shown in one post of one revision, with its alt text (images and GIFs) or its captions or the
    reason it has none (videos). Part of the revision: never changed, copied into the next revision."""

    revision = models.ForeignKey("tweets.DraftRevision", on_delete=models.CASCADE, related_name="media")
    position = models.PositiveSmallIntegerField(help_text="Which post of the thread (0 is the first).")
    order = models.PositiveSmallIntegerField(default=0)
    media = models.ForeignKey(MediaFile, on_delete=models.PROTECT, related_name="uses")
    alt_text = models.TextField(blank=True)
    captions = models.ForeignKey(MediaFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    no_captions_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["revision", "position", "order"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "position", "order"], name="one_media_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.media} in post {self.position + 1} of {self.revision}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("A revision's media cannot be changed; edit the draft to make a new revision.")
        super().save(*args, **kwargs)


class MediaUpload(models.Model):
    """A file uploaded to X for an account: X's media id, reused for a later attempt only while X keeps it."""

    media = models.ForeignKey(MediaFile, on_delete=models.CASCADE, related_name="uploads")
    account = models.ForeignKey("accounts.TwitterAccount", on_delete=models.CASCADE, related_name="+")
    x_media_id = models.CharField(max_length=2000)
    media_key = models.CharField(max_length=40, blank=True)
    expires_at = models.DateTimeField()
    alt_text = models.TextField(blank=True, help_text="The alt text X holds for this id.")
    captions_file_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The captions file (a MediaFile id) X holds for this video."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["media", "account", "expires_at"])]

    def __str__(self) -> str:
        return f"X media {self.x_media_id} for {self.media}"
