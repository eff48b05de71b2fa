"""What every app's admin shares: history, audit and metering rows can be listed and opened, never added,
changed or deleted, even by a superuser (they are written only by the services that record what happened)."""


class ReadOnlyHistoryMixin:
    """For a ModelAdmin or an inline of history rows: view only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
