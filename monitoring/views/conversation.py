"""The conversation an inbox item belongs to: reading the rest of it from X, when Dovecote does not hold it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from monitoring.access import item_for_user
from monitoring.conversation import conversation_fetch


@login_required
@require_POST
def item_conversation_fetch(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(request.user, pk)
    try:
        conversation = conversation_fetch(item=item, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    else:
        if conversation.missing:
            messages.info(request, "X no longer has some posts of this conversation: they were deleted or hidden.")
        else:
            messages.success(request, "The rest of the conversation was read from X.")
    return redirect(f"{item.get_absolute_url()}#conversation")
