"""ASGI entry point: the pages (Django) and the live chat's WebSockets (Channels).

In production the chat process (Procfile ``chat``) serves /ws/ with daphne behind the same
proxy as gunicorn's pages; ``make run`` (daphne's runserver) serves both from this application.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

# Django first: the routing below imports models.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from chat.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # A socket from a page of another site is refused (its Origin is not in ALLOWED_HOSTS);
        # the consumers then check the session as a page would (chat/sockets.py).
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
