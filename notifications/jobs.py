"""The email of a notice this app sends itself. Takes an id and is safe to run twice: the first run claims it."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification


def notification_email(*, notification_id: int) -> bool:
    """Email one notice to its recipient, once. A failure to send gives the claim back, so a retry sends it."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email=True, emailed_at__isnull=True, recipient__is_active=True
    ).update(emailed_at=now)
    if not claimed:
        return False
    notice = Notification.objects.select_related("recipient").get(pk=notification_id)
    if not notice.recipient.email:
        return False
    site = settings.SITE_URL.rstrip("/")
    context = {
        "notice": notice,
        "url": site + notice.url if notice.url.startswith("/") else notice.url,
        "preferences_url": site + reverse("notifications:preferences"),
    }
    try:
        send_mail(
            subject=notice.title,
            message=render_to_string("notifications/email/notice.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notice.recipient.email],
        )
    except Exception:
        Notification.objects.filter(pk=notification_id, emailed_at=now).update(emailed_at=None)
        raise
    return True
