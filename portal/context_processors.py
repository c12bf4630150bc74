"""Branding and navigation for every template."""

import json

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.decorators import request_levels
from core.policy import policy_context
from portal.navigation import nav_items_for


def portal(request):
    def nav():
        user = getattr(request, "user", None)
        # is_verified comes from OTPMiddleware; a user logged in during this request lacks it.
        if user is None or not user.is_authenticated or not getattr(user, "is_verified", lambda: False)():
            return []
        return nav_items_for(request, request_levels(request))

    def idle_timer():
        # Only verified sessions are signed out for idleness in a way the page can warn about.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "is_verified", lambda: False)():
            return ""
        from accounts.middleware import idle_duration_words, idle_seconds_left

        # One data attribute on <body>, read by static/portal/js/session.js (escaped as any value).
        return json.dumps(
            {
                "secondsLeft": idle_seconds_left(request.session),
                "warningSeconds": settings.SESSION_IDLE_WARNING_SECONDS,
                "idleWords": idle_duration_words(),
                "keepaliveUrl": reverse("accounts:session_keepalive"),
                # Drafts kept in the tab belong to this login: another login never sees them.
                "owner": str(user.uuid),
            }
        )

    def chat_box():
        # The live chat box, on every page of a provider who may chat (the Message Box level).
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "is_verified", lambda: False)():
            return {}
        from chat.selectors import may_chat
        from chat.views import PROVIDER_SOCKET_PATH

        if not may_chat(user=user, levels=request_levels(request)):
            return {}
        return {"socket_path": PROVIDER_SOCKET_PATH, "max_length": settings.CHAT_MESSAGE_MAX_LENGTH}

    return {
        "idle_timer": SimpleLazyObject(idle_timer),
        "chat_box": SimpleLazyObject(chat_box),
        "PAYER_NAME": settings.PAYER_NAME,
        "PAYER_SUPPORT_PHONE": settings.PAYER_SUPPORT_PHONE,
        "PAYER_SUPPORT_EMAIL": settings.PAYER_SUPPORT_EMAIL,
        "nav_items": SimpleLazyObject(nav),
        # INACTIVITY_WARN_DAYS, INACTIVITY_DISABLE_DAYS, REGISTRATION_LINK_HOURS, ... (settings).
        **policy_context(),
    }
