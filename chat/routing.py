"""The chat's WebSocket paths (served by portal/asgi.py)."""

from django.urls import path

from chat.consumers import ProviderChatConsumer, StaffChatConsumer

websocket_urlpatterns = [
    path("ws/chat/", ProviderChatConsumer.as_asgi()),
    path("ws/chat/staff/", StaffChatConsumer.as_asgi()),
]
