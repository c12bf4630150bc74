"""Demo health records for ``seed_demo``: the care-gap rules, the shipped FHIR bundles (Homer and
Marge Simpson, Ned Flanders) and Ned's opt-out. Idempotent."""

from django.core.management import call_command

from claims.models import Member
from health_records.models import RecordOptOut

OPTED_OUT_MEMBER = "M100200306"  # Ned Flanders asked the plan not to share his record


def seed_demo_health_records() -> None:
    call_command("health_records_care_gaps", verbosity=0)
    call_command("health_records_import", verbosity=0)
    member = Member.objects.filter(member_id=OPTED_OUT_MEMBER).first()
    if member is not None:
        RecordOptOut.objects.get_or_create(member=member)
