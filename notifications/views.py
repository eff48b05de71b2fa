from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.pagination import page_of
from notifications import services
from notifications.forms import PreferencesForm
from notifications.selectors import channels_for_user, notice_for, notices_for

PER_PAGE = 25


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = notices_for(request.user)
    page = page_of(notices, request.GET.get("page"), per_page=PER_PAGE)
    return render(
        request,
        "notifications/list.html",
        {"page": page, "any_unread": notices.filter(read_at__isnull=True).exists()},
    )


@login_required
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notice's link, marking it read on the way."""
    notice = notice_for(request.user, pk)
    services.notification_mark_read(user=request.user, notification=notice)
    if notice.url and url_has_allowed_host_and_scheme(notice.url, allowed_hosts=None) and notice.url.startswith("/"):
        return redirect(notice.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = notice_for(request.user, pk)
    services.notification_mark_read(user=request.user, notification=notice)
    messages.success(request, "Marked as read.")
    return redirect("notifications:list")


@login_required
@require_POST
def notice_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"{marked} notification{'' if marked == 1 else 's'} marked as read.")
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = channels_for_user(request.user)
    form = PreferencesForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=request.user, choices=form.choices(), request=request)
        messages.success(request, "Your notification choices are saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
