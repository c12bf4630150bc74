"""Demo assessments for ``seed_demo``: the shipped HRA and NOP forms, a member expecting a baby, a
submitted HRA and a submitted NOP under the demo clinic's NPI. Idempotent: nothing is added when
the demo member already has assessments."""

import csv
import datetime
import io
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from accounts.models import ProviderIdentifier, ProviderIdKind, User
from assessments.models import Assessment
from assessments.services import assessment_start, assessment_submit
from claims.models import Member
from claims.services import MEMBER_COLUMNS, members_import

# A member of childbearing age for the Notification of Pregnancy: look her up with this birth date.
NOP_MEMBER = {
    "member_id": "M100200401",
    "first_name": "Luann",
    "last_name": "Van Houten",
    "date_of_birth": "1992-06-15",
    "plan_code": "PPO100",
    "plan_name": "Demo Health Plan PPO",
    "coverage_start": "2024-01-01",
    "coverage_end": "",
    "coverage_status": "active",
}
# A second one with no assessment yet, for trying the NOP form.
NEW_NOP_MEMBER = {
    **NOP_MEMBER,
    "member_id": "M100200402",
    "first_name": "Manjula",
    "last_name": "Nahasapeemapetilon",
    "date_of_birth": "1994-02-20",
}


def seed_demo_assessments() -> int:
    """Load the forms and add the demo assessments; returns how many were added."""
    call_command("assessments_load", verbosity=0)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MEMBER_COLUMNS)
    writer.writeheader()
    writer.writerow(NOP_MEMBER)
    writer.writerow(NEW_NOP_MEMBER)
    buffer.seek(0)
    members_import(lines=buffer)
    npi = ProviderIdentifier.objects.filter(kind=ProviderIdKind.NPI, value="1234567893").first()
    manager = User.objects.filter(email="manager@demo.test").first()
    luann = Member.objects.get(member_id=NOP_MEMBER["member_id"])
    if npi is None or manager is None or Assessment.objects.filter(member=luann).exists():
        return 0
    today = timezone.localdate()
    nop = assessment_start(actor=manager, member=luann, provider_identifier=npi, code="NOP")
    assessment_submit(
        actor=manager,
        assessment=nop,
        answers={
            "lmp": [today - datetime.timedelta(days=63)],
            "first-visit": [today - datetime.timedelta(days=9)],
            "gravida": [2],
            "para": [1],
            "multiple": [False],
            "high-risk": ["no"],
            "case-management": [False],
        },
    )
    homer = Member.objects.filter(member_id="M100200301").first()
    if homer is not None:
        hra = assessment_start(actor=manager, member=homer, provider_identifier=npi, code="HRA")
        assessment_submit(
            actor=manager,
            assessment=hra,
            answers={
                "general-health": ["fair"],
                "height-in": [72],
                "weight-lb": [Decimal("260")],
                "tobacco": [False],
                "exercise-days": [1],
                "chronic": ["diabetes", "hypertension"],
                "needs": ["Asks about a weight-loss program."],
            },
        )
        return 2
    return 1
