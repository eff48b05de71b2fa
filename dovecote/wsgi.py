import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dovecote.settings")
application = get_wsgi_application()

# Load the URLconf, and with it every view module, while the worker boots (gunicorn accepts no request until
# this module is imported) rather than inside the first request the worker serves: the views import
# twitter-text, which compiles its large regular expressions (about half a second of CPU) on import. Left
# lazy, that half second fell on the first person served by each worker after every deploy or restart.
get_resolver().url_patterns  # noqa: B018 - evaluated for its side effect

# Everything loaded so far (Django, the apps, every view) lives as long as the worker. Frozen, the cyclic garbage
# collector leaves it alone: unfrozen, each full collection walked all of it, 60-100 ms in the middle of whichever
# request triggered it. And the young generations are collected every 10,000 allocations rather than 700, so full
# collections, which follow from them, come about ten times less often; the young ones cost the same in all.
gc.freeze()
gc.set_threshold(10_000, 10, 10)
