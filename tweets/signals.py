"""Signals other apps listen to. tweets never imports its listeners (monitoring marks replies sent)."""

from django.dispatch import Signal

# Sent after commit for every state change: sender=Draft, draft=, from_state=, to_state=.
draft_state_changed = Signal()
