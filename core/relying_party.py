"""The WebAuthn relying party (passkeys) derived from SITE_URL, checked at start-up.

A passkey is bound to the relying party ID (a domain) and accepted only from the listed origins,
so both follow the portal's public address unless a deployment names them.
"""

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

# Browsers refuse WebAuthn on an IP address; the development default (127.0.0.1) maps to
# localhost, which every browser treats as a secure context.
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


@dataclass(frozen=True)
class RelyingParty:
    rp_id: str
    origins: list[str]


def _origin(url: str, name: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must be an http(s) address like https://portal.example.org; got {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ImproperlyConfigured(f"{name} must be an origin (scheme, host and port only); got {url!r}")
    host = parts.hostname.lower()
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}", host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def relying_party(
    *, site_url: str, rp_id: str = "", extra_origins: list[str] | None = None, debug: bool
) -> RelyingParty:
    """The RP ID and the allowed origins; ImproperlyConfigured when they cannot work together.

    ``rp_id`` defaults to SITE_URL's host (a deployment may name a parent domain it controls);
    the origins are SITE_URL's plus ``extra_origins``. Each origin must be https, except a
    loopback address in development, and its host must be the RP ID or a subdomain of it.
    """
    site_origin, site_host = _origin(site_url, "SITE_URL")
    origins = [site_origin]
    loopback = site_host in LOOPBACK_HOSTS
    if loopback:
        # The same development server reached as localhost (the only loopback name WebAuthn takes).
        port = urlsplit(site_url).port
        localhost = f"{urlsplit(site_url).scheme}://localhost" + (f":{port}" if port else "")
        if localhost not in origins:
            origins.append(localhost)
    for extra in extra_origins or []:
        origin, _ = _origin(extra, "WEBAUTHN_ALLOWED_ORIGINS")
        if origin not in origins:
            origins.append(origin)

    rp_id = (rp_id or ("localhost" if loopback else site_host)).lower()
    if _is_ip(rp_id) or "." not in rp_id and rp_id != "localhost":
        raise ImproperlyConfigured(f"WEBAUTHN_RP_ID must be a domain name, not {rp_id!r}")
    if rp_id == "localhost" and not debug:
        raise ImproperlyConfigured("WEBAUTHN_RP_ID cannot be localhost with DEBUG off")

    checked = []
    for origin in origins:
        scheme, host = origin.split("://", 1)[0], urlsplit(origin).hostname or ""
        if _is_ip(host):
            continue  # never a WebAuthn origin; kept out of the list
        if scheme != "https" and not (debug and host == "localhost"):
            raise ImproperlyConfigured(
                f"Passkeys need an https:// origin; {origin!r} is not (only localhost may use http)"
            )
        if host != rp_id and not host.endswith("." + rp_id):
            raise ImproperlyConfigured(
                f"The origin {origin!r} is not {rp_id!r} or a subdomain of it: "
                "set WEBAUTHN_RP_ID to a domain both share"
            )
        checked.append(origin)
    return RelyingParty(rp_id=rp_id, origins=checked)
