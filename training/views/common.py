"""What every training page shares: the navigation section and the context each template expects."""

from django.http import HttpRequest

from accounts.access import is_lead
from core.params import row_ids
from training.access import is_trainer

NAV = {"nav_section": "training"}


def _ctx(request: HttpRequest, **extra) -> dict:
    return {**NAV, "is_trainer": is_trainer(request.user), "is_lead_anywhere": is_lead(request.user), **extra}


def _ids(request: HttpRequest, name: str) -> set[int]:
    return row_ids(request.POST.getlist(name))
