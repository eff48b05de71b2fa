"""Model fields every app may use."""

from django.db import models


class HttpsURLField(models.URLField):
    """An address typed without its scheme ("social.example.gov.uk") is taken as https, not Django's old http default:
    a Mastodon server, like any other today, is reached over https."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})
