"""The password backend: only an Active user signs in; a Locked one keeps open sessions."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import UserStatus


class PortalModelBackend(ModelBackend):
    """Django's ModelBackend, except that signing in needs the Active status.

    ``User.is_active`` is also true for Locked users, so that a lock (strangers' guesses) never
    ends the sessions the owner already has; a new sign-in is refused here, and the refusal
    counts as a failed sign-in like a wrong password (same answer, nothing revealed).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and user.status != UserStatus.ACTIVE:
            return None
        return user
