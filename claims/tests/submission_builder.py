"""A claim keyed in the portal, saved as a draft through the service, for the tests of other pages."""

import datetime

from django.utils import timezone

from claims.models import ClaimDraft
from claims.submission import claim_draft_save


def checked_claim(*, provider, member, day: datetime.date | None = None, note: str = "", patient_account: str = ""):
    """What ``check_claim`` returns for a two-line claim of ``member`` on ``day`` (today when None)."""
    day = (day or timezone.localdate()).isoformat()
    return {
        "billing_provider": provider,
        "rendering_provider": None,
        "member": member,
        "patient_account": patient_account,
        "note": note,
        "diagnoses": ["E11.9", "I10"],
        "lines": [
            {"procedure_code": "99213", "modifiers": ["25"], "pointers": [1, 2], "date_from": day, "date_to": day,
             "place_of_service": "11", "units": "1", "charge": "125.00"},
            {"procedure_code": "81002", "modifiers": [], "pointers": [1], "date_from": day, "date_to": day,
             "place_of_service": "11", "units": "1", "charge": "12.50"},
        ],
    }  # fmt: skip


def claim_draft_for(*, actor, provider, member, **kwargs) -> ClaimDraft:
    return claim_draft_save(actor=actor, checked=checked_claim(provider=provider, member=member, **kwargs))
