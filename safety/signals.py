"""What the tripwire tells the apps above it (notifications): `incident_raised`, sent after the commit that
recorded a new incident, with `incident_id`. Sent once per incident."""

from django.dispatch import Signal

incident_raised = Signal()
