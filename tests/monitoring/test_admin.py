"""Every monitoring model is registered in the Django admin and its list renders."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.monitoring.factories import InboxItemFactory, MonitorFactory

pytestmark = pytest.mark.django_db


def test_every_model_is_registered_and_its_changelist_renders(client, admin_user, team):
    MonitorFactory(team=team)
    InboxItemFactory(team=team)
    client.force_login(admin_user)
    for model in apps.get_app_config("monitoring").get_models():
        if model._meta.auto_created:
            continue
        assert admin.site.is_registered(model), model
        url = reverse(f"admin:monitoring_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
