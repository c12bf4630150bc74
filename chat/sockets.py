"""Who is behind a chat socket: the same session rules as a page, checked on every frame.

A socket carries the session cookie of the page that opened it. It is accepted, and each frame
is handled, only while that session would still open a page: a signed-in user whose session hash
still matches (a password, status or access change ends it), who is active (not disabled), whose
second factor was verified in this session, and whose session is neither idle longer than
SESSION_IDLE_MINUTES nor older than its 12 hours. A frame does not restart the idle clock: the
page's own "Stay signed in" does, as for any page.
"""

import time
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from accounts.models import User


@dataclass(frozen=True)
class SocketUser:
    user: User | None
    refusal: str = ""  # why not: "signed_out", "no_mfa", "inactive", "idle", "max_age"


def session_user(session_key: str | None, now: float | None = None) -> SocketUser:
    """The user of ``session_key`` if the session would open a page now (synchronous: call it
    through database_sync_to_async)."""
    if not session_key:
        return SocketUser(None, "signed_out")
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore(session_key)
    if not session.exists(session_key):
        return SocketUser(None, "signed_out")
    request = HttpRequest()
    request.session = session
    # Django's own check: the user behind the session, and its auth hash still valid.
    user = auth.get_user(request)
    if not user.is_authenticated:
        return SocketUser(None, "signed_out")
    if not user.is_active:
        return SocketUser(None, "inactive")
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    if device is None or device.user_id != user.pk or not device.confirmed:
        return SocketUser(None, "no_mfa")
    now = time.time() if now is None else now
    last_seen = session.get(SESSION_LAST_SEEN)
    started = session.get(SESSION_STARTED)
    if last_seen is None or now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
        return SocketUser(None, "idle")
    if started is None or now - started > settings.SESSION_MAX_AGE.total_seconds():
        return SocketUser(None, "max_age")
    return SocketUser(user)
