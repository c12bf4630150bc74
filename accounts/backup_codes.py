"""Backup codes are kept as keyed hashes, never in clear.

A code is ten random digits: too few for a plain hash (anyone holding the table could try all
10^10). Each code is stored as HMAC-SHA256 keyed by the SECRET_KEY and bound to its user, so the
table alone reveals nothing and a digest cannot be replayed for another user. Rotating the
SECRET_KEY keeps old codes working while the old key stays in SECRET_KEY_FALLBACKS; without it,
users make new codes from their Backup codes page.
"""

from django.conf import settings
from django.utils.crypto import salted_hmac

KEY_SALT = "accounts.backup-code"


def normalize_backup_code(code: str) -> str:
    """What the user typed, without the spaces and dashes people add when copying codes."""
    return "".join(code.split()).replace("-", "")


def backup_code_digest(user_id: int, code: str, *, secret: str | None = None) -> str:
    return salted_hmac(
        KEY_SALT, f"{user_id}:{normalize_backup_code(code)}", secret=secret, algorithm="sha256"
    ).hexdigest()


def backup_code_digests(user_id: int, code: str) -> list[str]:
    """The digest under the current key and under every fallback key."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [backup_code_digest(user_id, code, secret=secret) for secret in secrets]
