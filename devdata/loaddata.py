"""A large, coherent, deterministic data set for load tests (``manage.py generate_load_data``).

Everything comes from one ``random.Random(seed)`` and a fixed anchor time (midnight UTC of
``anchor``), so the same seed and anchor give the same rows: organizations with valid TINs,
provider IDs with valid NPIs spread unevenly over them, provider users with memberships, access
levels, scope, authenticators, registrations and invitations, account managers on every TIN with
users, payer staff, Message Box threads with participants and messages, Add Facility requests,
members with coverage, claims, and a chained audit trail.

The demo personas (``seed_demo``) come first and get the big share: Springfield Family Clinic
(TIN 123456789, manager@demo.test) gets thousands of users, biller@demo.test hundreds of provider
IDs in scope with tens of thousands of claims and a long inbox, and an open Add Facility request
with 20 IDs for the Control Panel's review panel.

Rows carry their primary keys (taken after the current maximum), so children reference parents
without reading them back; the sequences are reset at the end. On PostgreSQL the rows go in with
``COPY`` (foreign keys are deferred to the commit, so parents and children may arrive in any order);
elsewhere with ``bulk_create``. The audit events are chained with ``audit.services.event_hash``
after the tail read under the append lock, so ``audit_verify`` passes.
"""

import bisect
import datetime
import hashlib
import io
import json
import queue
import random
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from access_requests.models import AccessRequest, AccessRequestItem, ItemDecision, RequestStatus
from accounts.models import (
    SCOPE_PERMISSION,
    AccessLevel,
    LinkPurpose,
    Membership,
    Organization,
    OrganizationUserObjectPermission,
    ProviderIdentifier,
    ProviderIdentifierUserObjectPermission,
    ProviderIdKind,
    Registration,
    RegistrationLink,
    RegistrationStatus,
    User,
    UserComment,
    UserKind,
    UserStatus,
)
from accounts.validators import REPEATED_DIGIT_TINS, npi_is_valid
from audit.models import GENESIS_HASH, AuditAction, AuditEvent
from audit.services import CHAIN_LOCK_ID, event_hash
from authorizations.models import (
    AuthorizationRequest,
    AuthorizationService,
    Category,
    DenialReason,
    Diagnosis,
    EventKind,
    LineDecision,
    PlaceOfService,
    ServiceLine,
    Urgency,
)
from authorizations.models import Event as AuthorizationEvent
from authorizations.models import RequestStatus as AuthStatus
from chat.models import Conversation, ConversationStatus
from claims.models import (
    AdjustmentGroup,
    Claim,
    ClaimLine,
    ClaimPayment,
    ClaimStatus,
    Coverage,
    CoverageStatus,
    LineAdjustment,
    Member,
    PaymentMethod,
    Remittance,
)
from enrollment.models import (
    ApplicantKind,
    BankAccount,
    Correction,
    Document,
    EnrollmentApplication,
    EnrollmentGrant,
    License,
    LicenseKind,
    Location,
    Owner,
    OwnerKind,
    Payment,
    PaymentStatus,
    Section,
    Specialty,
)
from enrollment.models import Event as EnrollmentEvent
from enrollment.models import EventKind as EnrollmentEventKind
from enrollment.models import Status as EnrollStatus
from mailbox.models import Message, Participant, Thread, ThreadKind

DEMO_TIN = "123456789"
OUTSIDER_TIN = "987654321"
DEMO_TINS = {"123456789", "987654321", "456789123"}
# NPIs seed_demo creates: their 9-digit bases are kept out of the generated ones.
DEMO_NPIS = {"1234567893", "1245319599", "1987654328", "1456789019"}
CHUNK = 20_000  # rows per COPY or bulk_create round
BULK_BATCH = 5_000

# --- vocabulary ------------------------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra "
    "Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol Kevin "
    "Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura Jeffrey "
    "Cynthia Ryan Dorothy Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Brenda Stephen Emma "
    "Larry Anna Justin Pamela Scott Nicole Brandon Samantha Benjamin Katherine Samuel Christine Gregory Helen "
    "Alexander Debra Patrick Rachel Frank Carolyn Raymond Janet Jack Maria Dennis Olivia Jerry Heather Tyler "
    "Diane Aaron Julie Jose Joyce Adam Victoria Nathan Ruth Henry Virginia Zachary Lauren Douglas Kelly Peter "
    "Christina Kyle Joan Noah Evelyn Ethan Judith Jeremy Andrea Walter Hannah Christian Megan Keith Cheryl "
    "Roger Jacqueline Terry Martha Austin Madison Sean Teresa Gerald Gloria Carl Sara Harold Janice Dylan "
    "Ann Arthur Kathryn Lawrence Abigail Jordan Sophia Jesse Frances Bryan Jean Billy Alice Bruce Judy Gabriel "
    "Isabella Joe Julia Logan Grace Alan Amber Juan Denise Albert Danielle Willie Marilyn Elijah Beverly Wayne "
    "Charlotte Randy Natalie Vincent Theresa Mason Diana Roy Brittany Ralph Doris Bobby Kayla Russell Alexis "
    "Bradley Lori Philip Marie Eugene Priya Wei Ahmed Fatima Chidi Ngozi Hiroshi Yuki Aleksandr Olga Mateo "
    "Camila Santiago Valentina Diego Lucia Rahul Ananya Kwame Amara Tariq Leila Dmitri Ingrid Soren Freya"
)
LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall "
    "Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes "
    "Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard "
    "Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price "
    "Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell "
    "Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton "
    "Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar "
    "Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas "
    "Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw "
    "Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox "
    "Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne "
    "Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott "
    "Okafor Adeyemi Nakamura Tanaka Kowalski Novak Ivanova Petrov Haddad Rahman Khan Singh Gupta Sharma Iyer "
    "Lindqvist Johansson Okonkwo Mensah Abara Yilmaz Demir Costa Ferreira Rossi Bianchi Dubois Lefebvre"
)
CITIES = [
    ("Springfield", "IL"),
    ("Riverside", "CA"),
    ("Franklin", "TN"),
    ("Greenville", "SC"),
    ("Bristol", "CT"),
    ("Clinton", "IA"),
    ("Fairview", "OR"),
    ("Salem", "MA"),
    ("Madison", "WI"),
    ("Georgetown", "TX"),
    ("Arlington", "VA"),
    ("Ashland", "OH"),
    ("Dover", "DE"),
    ("Oxford", "MS"),
    ("Jackson", "MI"),
    ("Burlington", "VT"),
    ("Manchester", "NH"),
    ("Milton", "GA"),
    ("Newport", "RI"),
    ("Auburn", "AL"),
]
SPECIALTIES = _words(
    "Family Medicine|Pediatrics|Cardiology|Orthopedics|Internal Medicine|Dermatology|Oncology|Radiology|"
    "Women's Health|Behavioral Health|Urgent Care|Physical Therapy|Neurology|Gastroenterology|Ophthalmology|"
    "Home Health|Surgical Associates|Dialysis|Rehabilitation|Community Health",
    sep="|",
)
ORG_SUFFIXES = ["Clinic", "Medical Group", "Associates", "Partners", "Health Center", "Physicians", "PC", "LLC"]
STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Elm St", "Park Blvd", "Lake Rd", "Hill St", "Pine Ct"]
DEGREES = ["MD", "MD", "MD", "DO", "NP", "PA-C", "DPM", "PT"]
FACILITY_KINDS = ["Hospital", "Surgery Center", "Imaging", "Laboratory", "Clinic", "Pharmacy", "Urgent Care"]

SUBJECTS = [
    "Question about claim {claim}",
    "Denied claim {claim}: corrected claim sent",
    "Remittance advice missing for check {check}",
    "Eligibility question for a member",
    "Prior authorization status",
    "Credentialing update for our new provider",
    "Address change for our office",
    "Payment amount looks wrong",
    "Timely filing limit",
    "Request for an itemized bill",
    "EFT enrollment",
    "Coordination of benefits",
]
ORG_SUBJECTS = ["Coverage for Friday", "Front desk schedule", "Claims backlog", "New fee schedule", "Portal access"]
SYSTEM_SUBJECTS = [
    "Your access levels changed",
    "A provider ID was added to your account",
    "Your Add Facility request was decided",
    "Your account will be disabled for inactivity soon",
]
SENTENCES = [
    "Could you check the status of this claim for us?",
    "We sent a corrected claim last week.",
    "The remittance shows a different allowed amount than our contract.",
    "Please see the attached explanation of benefits.",
    "The member says their coverage was active on the date of service.",
    "Our billing office has not received the payment yet.",
    "We are updating our records and need the current mailing address.",
    "Thank you for the quick answer.",
    "The claim was reprocessed and paid on the next cycle.",
    "We need a copy of the denial letter for our files.",
    "The authorization number is on the claim form.",
    "Please call our office if you need more information.",
    "The provider joined our group last month.",
    "We found the issue: the NPI on the claim was wrong.",
    "Is there a way to check this online?",
    "The fee schedule update takes effect next quarter.",
    "Details are on https://www.example.org/provider-manual.",
    "I will follow up with the member.",
]
DENIAL_REASONS = [
    "Service not covered",
    "Missing prior authorization",
    "Duplicate claim",
    "Timely filing limit exceeded",
    "Member not eligible on date of service",
    "Coordination of benefits needed",
]
COMMENT_ACTIONS = ["Verified", "Access levels changed", "Provider IDs changed", "Disabled", "Enabled"]
COMMENTS = ["Confirmed with the office manager.", "Moved to billing.", "Left the practice.", "Back from leave.", ""]
PLANS = [("PPO100", "Demo Health Plan PPO"), ("HMO200", "Demo Health Plan HMO"), ("DEN300", "Demo Dental")]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
]

L = AccessLevel
ALL_LEVELS = list(AccessLevel.values)
# (weight, levels) of a provider user who is not an account manager.
ROLES = [
    (45, [L.CLAIMS, L.ELIGIBILITY, L.MESSAGE_BOX]),
    (20, [L.ELIGIBILITY]),
    (15, [L.ELIGIBILITY, L.AUTHORIZATIONS, L.ASSESSMENTS, L.HEALTH_RECORDS, L.MESSAGE_BOX]),
    (10, [lvl for lvl in ALL_LEVELS if lvl != L.MANAGE_ACCOUNT]),
    (5, [L.MESSAGE_BOX]),
    (5, []),
]
STATUSES = [
    (84, UserStatus.ACTIVE),
    (5, UserStatus.VERIFICATION_PENDING),
    (4, UserStatus.UNVERIFIED),
    (1, UserStatus.LOCKED),
    (6, UserStatus.DISABLED),
]
CLAIM_STATUSES = [
    (60, ClaimStatus.PAID),
    (10, ClaimStatus.DENIED),
    (15, ClaimStatus.IN_PROCESS),
    (10, ClaimStatus.RECEIVED),
    (5, ClaimStatus.ADJUSTED),
]
AUTH_STATUSES = [
    (5, AuthStatus.DRAFT),
    (8, AuthStatus.SUBMITTED),
    (8, AuthStatus.IN_REVIEW),
    (4, AuthStatus.INFO_REQUESTED),
    (50, AuthStatus.APPROVED),
    (8, AuthStatus.PARTIALLY_APPROVED),
    (12, AuthStatus.DENIED),
    (5, AuthStatus.WITHDRAWN),
]
# Billable ICD-10-CM codes (public code set) a prior authorization names, with short descriptions.
AUTH_DIAGNOSES = [
    ("M54.50", "Low back pain, unspecified"),
    ("M17.11", "Unilateral primary osteoarthritis, right knee"),
    ("M17.12", "Unilateral primary osteoarthritis, left knee"),
    ("G47.33", "Obstructive sleep apnea (adult) (pediatric)"),
    ("I10", "Essential (primary) hypertension"),
    ("E11.9", "Type 2 diabetes mellitus without complications"),
    ("J44.9", "Chronic obstructive pulmonary disease, unspecified"),
    ("M75.101", "Unspecified rotator cuff tear or rupture of right shoulder, not specified as traumatic"),
    ("R26.89", "Other abnormalities of gait and mobility"),
    ("Z96.651", "Presence of right artificial knee joint"),
]
AUTH_PLACES = [PlaceOfService.OFFICE, PlaceOfService.HOME, PlaceOfService.OUTPATIENT_HOSPITAL_ON]
# Service lines per claim, and their procedure codes (CPT: office visits, labs, imaging).
LINE_COUNTS = [1, 1, 1, 2, 2, 3]
PROCEDURE_CODES = ["99213", "99214", "99203", "99204", "80053", "85025", "36415", "71046", "93000", "90471"]
# Live chat: a provider's questions and the analyst's answers, alternating.
CHAT_QUESTIONS = [
    "Hello, where do I see the payment for claim {claim}?",
    "Hi, a claim of ours shows denied and I do not understand the reason.",
    "Good morning, is a prior authorization needed for an MRI of the lumbar spine?",
    "Hello, the member's eligibility shows terminated but they have a new card.",
    "Hi, how do I add a new NPI to my account?",
    "Hello, our EFT for last Friday did not arrive.",
    "Hi, can you tell me the timely filing limit for corrected claims?",
    "Hello, I cannot find the remittance advice for trace {trace}.",
]
CHAT_ANSWERS = [
    "Open Claims, choose the claim, and its Payments section lists the check or EFT trace with the date.",
    "Let me look that up for you, one moment please.",
    "The denial reason is on the claim's page, under each service line's adjustments.",
    "Yes: the Authorizations page shows which codes need one, and you can submit it there.",
    "Your account manager adds provider IDs under User Management, or send an Add Facility request.",
    "I see it: the payment went out on the next cycle, it should arrive within two business days.",
    "Corrected claims are accepted within 180 days of the original decision.",
    "The member's new coverage started on the first of the month: it shows after tonight's update.",
    "Is there anything else I can help you with?",
]
CHAT_REPLIES = [
    "Thank you, I found it.",
    "Could you check once more? I still do not see it.",
    "It is claim {claim}.",
    "Great, that helps.",
    "Thanks for the quick answer!",
    "One more question about the same member.",
]
CHAT_LINE_COUNTS = [2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 8, 10, 12]
# Enrollment applications, weighted over every status.
ENROLLMENT_STATUSES = [
    (18, "draft"),
    (12, "submitted"),
    (12, "in_review"),
    (8, "returned"),
    (6, "resubmitted"),
    (30, "approved"),
    (8, "denied"),
    (6, "rejected"),
]
TAXONOMIES = {
    "individual": ["207Q00000X", "208D00000X", "207R00000X", "363LF0000X"],
    "facility": ["282N00000X", "261QM1300X", "291U00000X"],
}
ENROLLMENT_SPECIALTIES = [
    "Family medicine",
    "Internal medicine",
    "Pediatrics",
    "Cardiology",
    "Orthopedic surgery",
    "Dermatology",
    "Radiology",
    "Physical therapy",
    "Behavioral health",
    "Sleep medicine",
]
OWNER_ROLES = ["owner", "managing employee", "officer", "director", "partner"]
ROUTING_NUMBERS = ["021000021", "011000015", "026009593", "121000358", "071000013"]
CORRECTIONS = [
    ("licenses", "The license number does not match the state board's record."),
    ("ownership", "List every owner with 5 % or more."),
    ("documents", "Upload the W-9 signed this year."),
    ("locations", "The practice location's phone number does not answer."),
    ("bank", "The account holder must be the applicant's legal name."),
]
DENIALS = [
    "The applicant is excluded from federal health care programs (OIG list).",
    "The network is closed for this specialty in this county.",
    "The license was suspended by the state board.",
]
# Messages per thread with a person in it (system notifications have one).
MESSAGE_COUNTS = [1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8, 10, 12]


@dataclass(frozen=True)
class LoadSizes:
    """How much to generate; the demo personas' share scales with these."""

    users: int = 1_000
    tins: int = 100
    provider_ids: int = 500
    messages: int = 10_000
    claims: int = 10_000
    events: int = 10_000
    members: int = 0  # 0: claims // 10 (at least 20)
    authorizations: int = 10_000
    chats: int = 0  # live chat conversations; 0: users // 20 (at least 10)
    enrollments: int = 0  # enrollment applications; 0: tins // 5 (at least 10)
    demo_claims: int = 0  # claims under the biller's provider IDs; 0: a fiftieth of claims, at most 20,000

    @property
    def member_count(self) -> int:
        return self.members or max(20, self.claims // 10)

    @property
    def demo_tin_users(self) -> int:
        """Users of manager@demo.test's TIN: 5,000 at 100,000 users."""
        return min(5_000, max(10, self.users // 20))

    @property
    def biller_provider_ids(self) -> int:
        """Provider IDs of the demo TIN in biller@demo.test's scope: 500 at 50,000."""
        return min(500, max(5, self.provider_ids // 100))

    @property
    def biller_claims(self) -> int:
        """Claims under the biller's provider IDs: 20,000 at a million (400 pages of 50)."""
        if self.demo_claims:
            return min(self.demo_claims, self.claims)
        return min(20_000, max(10, self.claims // 50))

    @property
    def manager_authorizations(self) -> int:
        """Prior authorizations under manager@demo.test's NPI: 20,000 at a million (400 pages of 50)."""
        return min(20_000, max(10, self.authorizations // 50))

    @property
    def chat_count(self) -> int:
        """Live chat conversations: 5,000 at 100,000 users."""
        return self.chats or max(10, self.users // 20)

    @property
    def enrollment_count(self) -> int:
        """Enrollment applications: 2,000 at 10,000 TINs."""
        return self.enrollments or max(10, self.tins // 5)

    @property
    def enroll_applications(self) -> int:
        """Applications enroll@demo.test holds a grant on: 200 at 2,000 (8 pages of 25)."""
        return min(self.enrollment_count, min(200, max(5, self.enrollment_count // 10)))

    @property
    def biller_threads(self) -> int:
        """Threads in the biller's Message Box: 3,000 at a million messages."""
        return min(3_000, max(3, self.messages // 330))


@dataclass
class _Person:
    """What the later steps need of a user, without keeping model instances around."""

    id: int
    email: str
    uuid: str
    kind: str
    status: str
    org_id: int | None = None
    levels: list = field(default_factory=list)
    scope: list = field(default_factory=list)  # (provider id pk, kind, value)


class _Writer:
    """Inserts model instances that carry their pk: COPY on PostgreSQL, bulk_create elsewhere.

    On PostgreSQL the COPY runs in a second thread on the same database connection (so in the same
    transaction) while the main thread builds the next rows: generating is Python work, storing is
    the server's, and with two cores they overlap. ``drain()`` waits for what is queued; call it
    before reading a table being written, and before the commit.
    """

    def __init__(self, now: datetime.datetime):
        self.copy = connection.vendor == "postgresql"
        self.now = now
        self.counts: dict[str, int] = defaultdict(int)
        self._plans: dict[type, tuple[str, list]] = {}
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._aborted = False

    def _plan(self, model):
        if model not in self._plans:
            fields = model._meta.concrete_fields
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
            self._plans[model] = (sql, [(f.attname, _converter(f), _is_auto_time(f)) for f in fields])
        return self._plans[model]

    def insert(self, model, objs: list) -> None:
        if not objs:
            return
        self.counts[model._meta.label] += len(objs)
        for start in range(0, len(objs), CHUNK):
            chunk = objs[start : start + CHUNK]
            if self.copy:
                self._submit(*self._copy_text(model, chunk))
            else:
                model.objects.bulk_create(chunk, batch_size=BULK_BATCH)

    def _copy_text(self, model, objs: list) -> tuple[str, str]:
        sql, plan = self._plan(model)
        now = self.now
        lines = []
        for obj in objs:
            values = []
            state = obj.__dict__
            for attname, convert, auto_time in plan:
                value = state[attname]
                if value is None and auto_time:
                    value = now
                values.append("\\N" if value is None else convert(value))
            lines.append("\t".join(values))
        lines.append("")
        return sql, "\n".join(lines)

    def _submit(self, sql: str, text: str) -> None:
        self._raise()
        if self._thread is None:
            connection.ensure_connection()
            raw = connection.connection  # psycopg2 serializes the two threads' use of it
            self._thread = threading.Thread(target=self._work, args=(raw,), name="loaddata-copy", daemon=True)
            self._thread.start()
        self._queue.put((sql, text))

    def _work(self, raw) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None and not self._aborted:
                    with raw.cursor() as cursor:
                        cursor.copy_expert(item[0], io.StringIO(item[1]), size=1 << 20)
            except BaseException as error:  # reported by the main thread
                self._error = error
            finally:
                self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def drain(self) -> None:
        if self._thread is not None:
            self._queue.join()
        self._raise()

    def abort(self) -> BaseException | None:
        """Drop what is queued and stop the thread; returns the thread's error, if any."""
        self._aborted = True
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        error, self._error = self._error, None
        return error

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._raise()


class _Factory:
    """Builds a model instance from attribute names without ``Model.__init__`` (a third of the
    generator's time at full size): the field defaults, the values given, a fresh ``_state``."""

    def __init__(self, model):
        self.model = model
        self.base: dict[str, Any] = {}
        self.callables: list[tuple[str, Any]] = []
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                self.callables.append((f.attname, f.default))
            else:
                self.base[f.attname] = f.get_default()  # "" for a CharField without a default, as Model.__init__
        self.known = set(self.base) | {name for name, _default in self.callables}

    def __call__(self, values: dict) -> models.Model:
        unknown = values.keys() - self.known
        if unknown:
            raise TypeError(f"{self.model.__name__} has no field {', '.join(sorted(unknown))}")
        state = dict(self.base)
        for attname, default in self.callables:
            if attname not in values:
                state[attname] = default()
        state.update(values)
        obj = self.model.__new__(self.model)
        obj.__dict__.update(state)
        obj._state = ModelState()
        return obj


_FACTORIES: dict[type, _Factory] = {}


def _make(model, **values) -> models.Model:
    factory = _FACTORIES.get(model)
    if factory is None:
        factory = _FACTORIES[model] = _Factory(model)
    return factory(values)


def _escape(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _converter(f):
    kind = f.get_internal_type()
    if kind == "BooleanField":
        return lambda v: "t" if v else "f"
    if kind in ("DateTimeField", "DateField"):
        return lambda v: v.isoformat()
    if kind == "JSONField":
        return lambda v: _escape(json.dumps(v, ensure_ascii=False))
    return lambda v: _escape(str(v))


def _is_auto_time(f) -> bool:
    return bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))


def _allocate(rng: random.Random, total: int, weights: list[float], minimum: list[int]) -> list[int]:
    """Split ``total`` over the weights, each getting at least its minimum (largest remainders)."""
    counts = list(minimum)
    left = total - sum(counts)
    if left <= 0:
        return counts
    weight_sum = sum(weights)
    shares = [left * w / weight_sum for w in weights]
    for i, share in enumerate(shares):
        counts[i] += int(share)
    rest = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in order[:rest]:
        counts[i] += 1
    return counts


def npi_from_base(base: int) -> str:
    """The 10-digit NPI for a 9-digit base: the Luhn check digit over the 80840 prefix."""
    payload = f"80840{base:09d}"
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char)
        if index % 2 == 0:  # these are doubled once the check digit is appended
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return f"{base:09d}{(10 - total % 10) % 10}"


class LoadDataGenerator:
    """Generates the data set; ``run()`` returns a summary with row counts and seconds per step."""

    def __init__(self, *, sizes: LoadSizes, seed: int, anchor: datetime.date, log=None):
        self.sizes = sizes
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = datetime.datetime.combine(anchor, datetime.time(), tzinfo=datetime.UTC)
        self.today = anchor
        self.log = log or (lambda message: None)
        self.writer = _Writer(self.now)
        self.timings: dict[str, float] = {}
        self.next_ids: dict[type, int] = {}

    # --- small helpers -----------------------------------------------------------------------------

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _ids(self, model, count: int) -> range:
        """``count`` fresh primary keys after the table's current maximum."""
        if model not in self.next_ids:
            top = model.objects.aggregate(top=models.Max("pk"))["top"] or 0
            self.next_ids[model] = top + 1
        start = self.next_ids[model]
        self.next_ids[model] += count
        return range(start, start + count)

    def _id(self, model) -> int:
        return self._ids(model, 1)[0]

    def _ago(self, low_days: float, high_days: float) -> datetime.datetime:
        seconds = self.rng.uniform(low_days * 86_400, high_days * 86_400)
        return self.now - datetime.timedelta(seconds=int(seconds))

    def _pick(self, weighted):
        total = sum(w for w, _ in weighted)
        roll = self.rng.uniform(0, total)
        for weight, value in weighted:
            roll -= weight
            if roll <= 0:
                return value
        return weighted[-1][1]

    def _name(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)

    def _step(self, name: str, func) -> None:
        start = time.perf_counter()
        self.log(f"  {name} ...")
        func()
        self.writer.drain()
        self.timings[name] = time.perf_counter() - start
        self.log(f"  {name}: {self.timings[name]:.1f} s")

    # --- the run -------------------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            # A statement sent while the writer thread is in a COPY would break the protocol on the
            # shared connection: every query of this thread first waits for the queued COPYs.
            with connection.execute_wrapper(self._after_copies):
                self._generate()
        finally:
            self.writer.close()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._step("VACUUM ANALYZE", self._vacuum)
        return {
            "seconds": time.perf_counter() - started,
            "timings": self.timings,
            "rows": dict(self.writer.counts),
        }

    def _after_copies(self, execute, sql, params, many, context):
        self.writer.drain()
        return execute(sql, params, many, context)

    def _generate(self) -> None:
        with transaction.atomic():
            try:
                self._step("demo personas (seed_demo)", self._demo)
                self._step("organizations and provider IDs", self._organizations)
                self._step("users, memberships, levels, scope", self._users)
                self._step("members and coverage", self._members)
                self._step("claims", self._claims)
                self._step("threads, messages, access requests", self._threads)
                self._step("audit events (hash chain)", self._audit)
                self._step("prior authorizations", self._authorizations)
                self._step("live chat conversations", self._chats)
                self._step("enrollment applications", self._enrollments)
                self._step("sequences", self._reset_sequences)
            except BaseException as error:
                failed = self.writer.abort()  # nothing queued may reach the database after the rollback
                if failed is not None and failed is not error:
                    raise failed from error  # the COPY that failed first, not its aftermath
                raise
            self.writer.close()
            self._step("member counts", self._member_counts)
            commit_started = time.perf_counter()
        # The commit checks every deferred foreign key of the rows above.
        self.timings["commit"] = time.perf_counter() - commit_started
        self.log(f"  commit: {self.timings['commit']:.1f} s")

    def _demo(self) -> None:
        from io import StringIO

        call_command("seed_demo", force=True, stdout=StringIO())
        self.demo_org = Organization.objects.get(tin=DEMO_TIN)
        self.outsider_org = Organization.objects.get(tin=OUTSIDER_TIN)
        personas = {u.email: u for u in User.objects.filter(email__endswith="@demo.test")}
        self.biller = personas["biller@demo.test"]
        self.manager = personas["manager@demo.test"]
        self.analyst = personas["analyst@demo.test"]
        level_ct = ContentType.objects.get_for_model(Organization)
        scope_ct = ContentType.objects.get_for_model(ProviderIdentifier)
        self.level_perm = {
            p.codename: p.pk for p in Permission.objects.filter(content_type=level_ct, codename__in=ALL_LEVELS)
        }
        self.scope_perm = Permission.objects.get(content_type=scope_ct, codename=SCOPE_PERMISSION).pk
        self.password = make_password(None)  # one unusable password: nobody generated logs in

    # --- organizations and provider IDs --------------------------------------------------------------

    def _organizations(self) -> None:
        rng, n = self.rng, self.sizes.tins
        tins = [
            t
            for t in (f"{v:09d}" for v in rng.sample(range(100_000_000, 1_000_000_000), n + 20))
            if t not in DEMO_TINS and t not in REPEATED_DIGIT_TINS
        ][:n]
        orgs = []
        for pk, tin in zip(self._ids(Organization, n), tins, strict=True):
            city, state = rng.choice(CITIES)
            orgs.append(
                _make(
                    Organization,
                    id=pk,
                    uuid=self._uuid(),
                    name=f"{city} {rng.choice(SPECIALTIES)} {rng.choice(ORG_SUFFIXES)}",
                    tin=tin,
                    tin_verified=rng.random() < 0.97,
                    address_line1=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
                    city=city,
                    state=state,
                    postal_code=f"{rng.randint(10000, 99999)}",
                    created_at=self._ago(400, 3000),
                )
            )
        self.writer.insert(Organization, orgs)
        self.orgs = [(o.pk, o.tin) for o in orgs]
        # A few big organizations and many small ones.
        self.org_weights = [min(rng.paretovariate(1.2), 200.0) for _ in orgs]

        biller_share = self.sizes.biller_provider_ids
        total = max(self.sizes.provider_ids, biller_share + n)
        demo_bases = {int(v[:9]) for v in DEMO_NPIS}
        bases = [b for b in rng.sample(range(100_000_000, 300_000_000), total + 10) if b not in demo_bases][:total]
        per_org = _allocate(rng, total - biller_share, self.org_weights, [1] * n)
        owners = [self.demo_org.pk] * biller_share
        for (org_id, _tin), count in zip(self.orgs, per_org, strict=True):
            owners += [org_id] * count
        pids = []
        self.npis_by_org: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for pk, base, org_id in zip(self._ids(ProviderIdentifier, total), bases, owners, strict=True):
            value = npi_from_base(base)
            if rng.random() < 0.8:
                first, last = self._name()
                name = f"{first} {last} {rng.choice(DEGREES)}"
            else:
                name = f"{rng.choice(CITIES)[0]} {rng.choice(FACILITY_KINDS)}"
            pids.append(
                _make(
                    ProviderIdentifier,
                    id=pk,
                    uuid=self._uuid(),
                    kind=ProviderIdKind.NPI,
                    value=value,
                    display_name=name,
                    organization_id=org_id,
                    created_at=self._ago(100, 2000),
                )
            )
            self.npis_by_org[org_id].append((pk, value))
        assert all(npi_is_valid(p.value) for p in pids[:100])
        self.writer.insert(ProviderIdentifier, pids)
        self.biller_npis = list(self.npis_by_org[self.demo_org.pk])
        self.all_npis = [(p.pk, p.value, p.organization_id) for p in pids]
        self.npi_values = {p.value for p in pids} | DEMO_NPIS

    # --- users -----------------------------------------------------------------------------------------

    def _users(self) -> None:
        rng, sizes = self.rng, self.sizes
        staff_count = max(2, sizes.users // 1000)
        provider_count = max(0, sizes.users - staff_count)
        demo_users = min(sizes.demo_tin_users, provider_count)
        # ~3 % of the TINs have nobody registered yet.
        minimum = [0 if rng.random() < 0.03 else 1 for _ in self.orgs]
        if sum(minimum) > provider_count - demo_users:
            minimum = [0] * len(self.orgs)
        per_org = _allocate(rng, provider_count - demo_users, self.org_weights, minimum)
        plan = [(self.demo_org.pk, DEMO_TIN, "springfieldclinic", demo_users)]
        plan += [(org_id, tin, f"tin{tin}", count) for (org_id, tin), count in zip(self.orgs, per_org, strict=True)]

        users, memberships, grants, scopes, devices = [], [], [], [], []
        registrations, links, comments = [], [], []
        self.people: list[_Person] = []
        self.msgbox_by_org: dict[int, list[int]] = defaultdict(list)
        self.managers_by_org: dict[int, list[int]] = defaultdict(list)
        ids = iter(self._ids(User, sizes.users))

        def add_user(pk, email, full_name, kind, status, joined):
            last_login = None
            if status == UserStatus.ACTIVE:
                # Most within the last two months, some close to the 90-day inactivity limit.
                last_login = self._ago(0, 60) if rng.random() < 0.93 else self._ago(76, 89)
            elif status in (UserStatus.LOCKED, UserStatus.DISABLED):
                last_login = self._ago(90, 400)
            users.append(
                _make(
                    User,
                    id=pk,
                    uuid=self._uuid(),
                    password=self.password,
                    last_login=last_login,
                    email=email,
                    full_name=full_name,
                    phone=f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}",
                    kind=kind,
                    status=status,
                    status_changed_at=max(joined, last_login or joined),
                    status_reason="inactivity" if status == UserStatus.DISABLED else "",
                    date_joined=joined,
                )
            )
            if status in (UserStatus.ACTIVE, UserStatus.LOCKED, UserStatus.DISABLED):
                devices.append(
                    _make(
                        TOTPDevice,
                        user_id=pk,
                        name="Authenticator",
                        confirmed=True,
                        key=f"{rng.getrandbits(160):040x}",
                        created_at=joined,
                        last_used_at=last_login,
                    )
                )
            return users[-1]

        for _ in range(staff_count):
            pk = next(ids)
            first, last = self._name()
            user = add_user(
                pk,
                f"{first}.{last}.{len(users) + 1}@plan.test".lower(),
                f"{first} {last}",
                UserKind.PAYER_STAFF,
                UserStatus.ACTIVE,
                self._ago(200, 2000),
            )
            self.people.append(_Person(pk, user.email, str(user.uuid), UserKind.PAYER_STAFF, UserStatus.ACTIVE))
        self.staff_ids = [p.id for p in self.people] + [self.analyst.pk]

        for org_id, tin, domain, count in plan:
            org_npis = self.npis_by_org.get(org_id, [])
            for position in range(count):
                pk = next(ids)
                first, last = self._name()
                joined = self._ago(30, 1500)
                manager = position == 0 or (
                    position == 1 and count > 3 and (org_id == self.demo_org.pk or rng.random() < 0.3)
                )
                status = UserStatus.ACTIVE if manager else self._pick(STATUSES)
                user = add_user(
                    pk,
                    f"{first}.{last}.{len(users) + 1}@{domain}.test".lower(),
                    f"{first} {last}",
                    UserKind.PROVIDER,
                    status,
                    joined,
                )
                person = _Person(pk, user.email, str(user.uuid), UserKind.PROVIDER, status, org_id)
                self.people.append(person)
                memberships.append(
                    _make(
                        Membership,
                        user_id=pk,
                        organization_id=org_id,
                        created_at=joined,
                        ends_on=self.today + datetime.timedelta(days=rng.randint(10, 180))
                        if rng.random() < 0.02
                        else None,
                    )
                )
                if status == UserStatus.VERIFICATION_PENDING:
                    registrations.append(
                        _make(
                            Registration,
                            uuid=self._uuid(),
                            user_id=pk,
                            tin=tin,
                            npi=org_npis[0][1] if org_npis and rng.random() < 0.5 else "",
                            organization_id=org_id,
                            status=RegistrationStatus.PENDING,
                            created_at=joined,
                        )
                    )
                    continue  # no level before an account manager verifies them
                levels = ALL_LEVELS if manager else self._pick(ROLES)
                person.levels = list(levels)
                for level in levels:
                    grants.append((pk, org_id, level))
                if manager:
                    self.managers_by_org[org_id].append(pk)
                    chosen = org_npis[:50]
                elif levels and levels != [L.MESSAGE_BOX] and org_npis:
                    chosen = rng.sample(org_npis, rng.randint(1, min(5, len(org_npis))))
                else:
                    chosen = []
                for npi_pk, value in chosen:
                    scopes.append((pk, npi_pk))
                    person.scope.append((npi_pk, "npi", value))
                if L.MESSAGE_BOX in levels and status == UserStatus.ACTIVE:
                    self.msgbox_by_org[org_id].append(pk)
                if status == UserStatus.UNVERIFIED:
                    created = self._ago(0, 4)
                    links.append(
                        _make(
                            RegistrationLink,
                            user_id=pk,
                            purpose=LinkPurpose.INVITATION,
                            token_hash=hashlib.sha256(f"{self.seed}-{user.email}".encode()).hexdigest(),
                            organization_id=org_id,
                            created_by_id=(self.managers_by_org.get(org_id) or [None])[0],
                            created_at=created,
                            expires_at=created + datetime.timedelta(hours=72),
                        )
                    )
                if rng.random() < 0.1 and self.managers_by_org.get(org_id):
                    author = self.managers_by_org[org_id][0]
                    for _ in range(rng.randint(1, 3)):
                        comments.append(
                            _make(
                                UserComment,
                                user_id=pk,
                                organization_id=org_id,
                                author_id=author,
                                author_email="",
                                action=rng.choice(COMMENT_ACTIONS),
                                comment=rng.choice(COMMENTS),
                                created_at=self._ago(0, 300),
                            )
                        )

        # Billing companies: a few active users also work for a second TIN.
        if len(self.orgs) > 1:
            for person in self.people:
                if person.kind == UserKind.PROVIDER and person.status == UserStatus.ACTIVE and rng.random() < 0.03:
                    org_id, _tin = rng.choice(self.orgs)
                    if org_id == person.org_id:
                        continue
                    memberships.append(
                        _make(Membership, user_id=person.id, organization_id=org_id, created_at=self._ago(0, 500))
                    )
                    for level in (L.CLAIMS, L.ELIGIBILITY):
                        grants.append((person.id, org_id, level))
                    if self.npis_by_org.get(org_id):
                        npi_pk, value = rng.choice(self.npis_by_org[org_id])
                        scopes.append((person.id, npi_pk))
                        person.scope.append((npi_pk, "npi", value))

        # biller@demo.test acts for every generated provider ID of the demo TIN.
        for npi_pk, _value in self.biller_npis:
            scopes.append((self.biller.pk, npi_pk))
        self.msgbox_by_org[self.demo_org.pk] += [self.biller.pk, self.manager.pk]
        self.demo_colleagues = [pk for pk in self.msgbox_by_org[self.demo_org.pk] if pk != self.biller.pk]

        writer = self.writer
        writer.insert(User, users)
        for obj, pk in zip(memberships, self._ids(Membership, len(memberships)), strict=True):
            obj.id = pk
        writer.insert(Membership, memberships)
        writer.insert(
            OrganizationUserObjectPermission,
            [
                _make(
                    OrganizationUserObjectPermission,
                    id=pk,
                    user_id=u,
                    content_object_id=o,
                    permission_id=self.level_perm[lv],
                )
                for pk, (u, o, lv) in zip(self._ids(OrganizationUserObjectPermission, len(grants)), grants, strict=True)
            ],
        )
        writer.insert(
            ProviderIdentifierUserObjectPermission,
            [
                _make(
                    ProviderIdentifierUserObjectPermission,
                    id=pk,
                    user_id=u,
                    content_object_id=p,
                    permission_id=self.scope_perm,
                )
                for pk, (u, p) in zip(
                    self._ids(ProviderIdentifierUserObjectPermission, len(scopes)), scopes, strict=True
                )
            ],
        )
        for model, objs in (
            (TOTPDevice, devices),
            (Registration, registrations),
            (RegistrationLink, links),
            (UserComment, comments),
        ):
            for obj, pk in zip(objs, self._ids(model, len(objs)), strict=True):
                obj.id = pk
            writer.insert(model, objs)
        self.person_by_id = {p.id: p for p in self.people}

    # --- the claim system --------------------------------------------------------------------------

    def _members(self) -> None:
        rng = self.rng
        count = self.sizes.member_count
        members, coverages = [], []
        self.members: list[tuple[str, str, str]] = []  # (member ID, name, uuid)
        self.member_pks: list[int] = []
        for i, pk in enumerate(self._ids(Member, count)):
            first, last = self._name()
            member_id = f"LM{i:08d}"
            born = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(34_000))
            member_uuid = self._uuid()
            members.append(
                _make(
                    Member,
                    id=pk,
                    uuid=member_uuid,
                    member_id=member_id,
                    first_name=first,
                    last_name=last,
                    date_of_birth=born,
                    updated_at=self.now,
                )
            )
            self.members.append((member_id, f"{first} {last}", str(member_uuid)))
            self.member_pks.append(pk)
            code, name = rng.choice(PLANS)
            roll = rng.random()
            if roll < 0.75:
                spans = [(datetime.date(rng.randint(2018, 2025), 1, 1), None, CoverageStatus.ACTIVE)]
            elif roll < 0.9:
                start = datetime.date(rng.randint(2015, 2020), 1, 1)
                spans = [
                    (start, datetime.date(2022, 12, 31), CoverageStatus.TERMINATED),
                    (datetime.date(2023, 1, 1), None, CoverageStatus.ACTIVE),
                ]
            else:
                spans = [
                    (
                        datetime.date(2019, 1, 1),
                        datetime.date(rng.randint(2020, 2026), 6, 30),
                        CoverageStatus.TERMINATED,
                    )
                ]
            for start, end, status in spans:
                coverages.append(
                    _make(
                        Coverage,
                        uuid=self._uuid(),
                        member_id=pk,
                        plan_code=code,
                        plan_name=name,
                        coverage_start=start,
                        coverage_end=end,
                        status=status,
                        updated_at=self.now,
                    )
                )
        for obj, pk in zip(coverages, self._ids(Coverage, len(coverages)), strict=True):
            obj.id = pk
        self.writer.insert(Member, members)
        self.writer.insert(Coverage, coverages)

    def _claims(self) -> None:
        rng, sizes = self.rng, self.sizes
        biller_claims = min(sizes.biller_claims, sizes.claims)
        others = [(pk, org) for pk, _value, org in self.all_npis if org != self.demo_org.pk]
        weights = [min(rng.paretovariate(1.1), 500.0) for _ in others]
        cumulative = list(_accumulate(weights))
        biller_pids = [pk for pk, _value in self.biller_npis]
        org_of_pid = {pk: org for pk, _value, org in self.all_npis}
        self.claim_sample: list[tuple[str, str, int]] = []  # (uuid, claim number, org) for audit events
        remittances: dict[tuple[int, datetime.date], list] = {}  # (org, date) -> [pk, trace number, cents]
        batch, lines, adjustments, payments = [], [], [], []
        ids = self._ids(Claim, sizes.claims)
        for i, pk in enumerate(ids):
            if i < biller_claims or not others:
                pid = biller_pids[i % len(biller_pids)] if biller_pids else others[0][0]
            else:
                pid = others[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])][0]
            member_id, member_name, _uuid = self.members[rng.randrange(len(self.members))]
            service_from = self.today - datetime.timedelta(days=rng.randint(15, 730))
            service_to = service_from + datetime.timedelta(days=rng.choice((0, 0, 0, 1, 2, 5)))
            received = min(service_to + datetime.timedelta(days=rng.randint(1, 14)), self.today)
            status = self._pick(CLAIM_STATUSES)
            billed = Decimal(rng.randint(5_000, 500_000)) / 100
            allowed = paid = Decimal("0.00")
            paid_date, check, denial = None, "", ""
            if status in (ClaimStatus.PAID, ClaimStatus.ADJUSTED, ClaimStatus.IN_PROCESS):
                allowed = (billed * Decimal(rng.randint(40, 90)) / 100).quantize(Decimal("0.01"))
            if status in (ClaimStatus.PAID, ClaimStatus.ADJUSTED):
                paid = (allowed * Decimal(rng.randint(70, 100)) / 100).quantize(Decimal("0.01"))
                # One payment a week per TIN: the Friday after the claim was received plus 5 to 30 days.
                paid_date = received + datetime.timedelta(days=rng.randint(5, 30))
                paid_date += datetime.timedelta(days=(4 - paid_date.weekday()) % 7)
                org = org_of_pid.get(pid, self.demo_org.pk)
                remittance = remittances.get((org, paid_date))
                if remittance is None:
                    remittance = remittances[(org, paid_date)] = [
                        self._id(Remittance),
                        f"LT{len(remittances):010d}",
                        0,
                        0,
                    ]
                check = remittance[1]
            if status == ClaimStatus.DENIED:
                denial = rng.choice(DENIAL_REASONS)
            claim_uuid = self._uuid()
            number = f"LC{i:09d}"
            batch.append(
                _make(
                    Claim,
                    id=pk,
                    uuid=claim_uuid,
                    claim_number=number,
                    provider_identifier_id=pid,
                    member_id=member_id,
                    member_name=member_name,
                    service_date_from=service_from,
                    service_date_to=service_to,
                    billed_amount=billed,
                    allowed_amount=allowed,
                    paid_amount=paid,
                    status=status,
                    received_date=received,
                    paid_date=paid_date,
                    check_number=check,
                    denial_reason=denial,
                    updated_at=self.now,
                )
            )
            self._claim_lines(lines, adjustments, pk, service_from, status, billed, allowed, paid)
            if paid_date is not None:
                remittance[2] += int(paid * 100)
                remittance[3] += 1
                payments.append(
                    _make(
                        ClaimPayment,
                        id=self._id(ClaimPayment),
                        remittance_id=remittance[0],
                        claim_id=pk,
                        status_code="1" if status == ClaimStatus.PAID else "22",
                        charge_amount=billed,
                        paid_amount=paid,
                        patient_responsibility=allowed - paid,
                        payer_claim_number=f"P{number}",
                    )
                )
            if len(self.claim_sample) < 10_000 and rng.random() < 0.05:
                self.claim_sample.append((str(claim_uuid), number, org_of_pid.get(pid, self.demo_org.pk)))
            if len(batch) >= CHUNK:
                self._flush_claims(batch, lines, adjustments, payments)
        self._flush_claims(batch, lines, adjustments, payments)
        self._remittances(remittances)

    def _flush_claims(self, batch, lines, adjustments, payments) -> None:
        for model, rows in (
            (Claim, batch),
            (ClaimLine, lines),
            (LineAdjustment, adjustments),
            (ClaimPayment, payments),
        ):
            self.writer.insert(model, rows[:])
            rows.clear()

    def _claim_lines(self, lines, adjustments, claim_pk, service_date, status, billed, allowed, paid) -> None:
        """1 to 3 service lines adding up to the claim's amounts, with CO-45 for billed minus allowed and
        PR-1/PR-2 for the member's share (CO-50 when denied)."""
        rng = self.rng
        count = rng.choice(LINE_COUNTS)
        parts = [Decimal(1)] if count == 1 else [Decimal(rng.randint(20, 80)) for _ in range(count)]
        total = sum(parts)

        def split(amount: Decimal) -> list[Decimal]:
            shares = [(amount * part / total).quantize(Decimal("0.01")) for part in parts[:-1]]
            return [*shares, amount - sum(shares)]

        for n, (line_billed, line_allowed, line_paid) in enumerate(
            zip(split(billed), split(allowed), split(paid), strict=True), start=1
        ):
            line_pk = self._id(ClaimLine)
            member_share = line_allowed - line_paid
            deductible = member_share if rng.random() < 0.3 else Decimal("0.00")
            lines.append(
                _make(
                    ClaimLine,
                    id=line_pk,
                    claim_id=claim_pk,
                    line_number=n,
                    procedure_code=rng.choice(PROCEDURE_CODES),
                    modifiers=rng.choice(("", "", "", "25", "59")),
                    units=Decimal(rng.choice((1, 1, 1, 2))),
                    service_date=service_date,
                    billed_amount=line_billed,
                    allowed_amount=line_allowed,
                    paid_amount=line_paid,
                    deductible=deductible,
                    coinsurance=member_share - deductible,
                    copay=Decimal("0.00"),
                    remark_codes="N130" if status == ClaimStatus.DENIED else "",
                    note="",
                )
            )
            if status == ClaimStatus.DENIED:
                codes = [(AdjustmentGroup.CO, "50", line_billed)]
            elif status in (ClaimStatus.PAID, ClaimStatus.ADJUSTED):
                codes = [
                    (AdjustmentGroup.CO, "45", line_billed - line_allowed),
                    (AdjustmentGroup.PR, "1", deductible),
                    (AdjustmentGroup.PR, "2", member_share - deductible),
                ]
            else:
                codes = []
            for group, reason, amount in codes:
                if amount > 0:
                    adjustments.append(
                        _make(
                            LineAdjustment,
                            id=self._id(LineAdjustment),
                            line_id=line_pk,
                            group_code=group,
                            reason_code=reason,
                            amount=amount,
                        )
                    )

    def _remittances(self, remittances) -> None:
        """One EFT per TIN and payment Friday, its amount the sum of its claim payments (no 835 text:
        the download of a generated payment's segments is empty)."""
        tin_of = dict(Organization.objects.values_list("pk", "tin"))
        name_of = dict(Organization.objects.values_list("pk", "name"))
        batch = []
        for (org, paid_date), (pk, trace, cents, claim_count) in remittances.items():
            batch.append(
                _make(
                    Remittance,
                    id=pk,
                    uuid=self._uuid(),
                    trace_number=trace,
                    payment_method=PaymentMethod.ACH,
                    payment_date=paid_date,
                    amount=Decimal(cents) / 100,
                    claim_count=claim_count,
                    payer_name="Demo Health Plan",
                    payer_id="DEMO01",
                    payee_name=name_of[org][:60],
                    payee_tin=tin_of[org],
                    organization_id=org,
                    segments="",
                    envelope="",
                    source_name="generated",
                    imported_at=self.now,
                )
            )
            if len(batch) >= CHUNK:
                self.writer.insert(Remittance, batch)
                batch = []
        self.writer.insert(Remittance, batch)

    # --- Message Box ---------------------------------------------------------------------------------

    def _threads(self) -> None:
        rng, sizes = self.rng, self.sizes
        senders = [(pk, org) for org, pks in self.msgbox_by_org.items() for pk in pks]
        orgs_with_pairs = [org for org, pks in self.msgbox_by_org.items() if len(pks) >= 2]
        recipients = [p.id for p in self.people if p.kind == UserKind.PROVIDER and p.status == UserStatus.ACTIVE]
        self.thread_sample: list[tuple[str, str, int | None]] = []
        buffers: dict[type, list] = defaultdict(list)
        left = sizes.messages
        biller_left = sizes.biller_threads
        first_biller_thread = True
        review_request_done = False

        def flush(force=False):
            if force or len(buffers[Message]) >= CHUNK:
                for model in (Thread, Participant, Message, AccessRequest, AccessRequestItem):
                    objs = buffers.pop(model, [])
                    missing = [obj for obj in objs if obj.pk is None]
                    for obj, pk in zip(missing, self._ids(model, len(missing)), strict=True):
                        obj.id = pk
                    self.writer.insert(model, objs)

        while left > 0:
            for_biller = biller_left > 0
            roll = rng.random()
            kind = ThreadKind.PAYER if roll < 0.7 else ThreadKind.ORGANIZATION if roll < 0.9 else ThreadKind.SYSTEM
            if for_biller:
                biller_left -= 1
                owner, org = self.biller.pk, self.demo_org.pk
                colleagues = self.demo_colleagues
            elif kind == ThreadKind.SYSTEM:
                owner, org, colleagues = (rng.choice(recipients) if recipients else self.biller.pk), None, []
            elif kind == ThreadKind.ORGANIZATION and orgs_with_pairs:
                org = rng.choice(orgs_with_pairs)
                owner = rng.choice(self.msgbox_by_org[org])
                colleagues = [pk for pk in self.msgbox_by_org[org] if pk != owner]
            else:
                owner, org = rng.choice(senders) if senders else (self.biller.pk, self.demo_org.pk)
                colleagues = []
            if kind == ThreadKind.ORGANIZATION and not colleagues:
                kind = ThreadKind.PAYER
            request_items = None
            if first_biller_thread:
                kind, count = ThreadKind.PAYER, min(12, left)
            elif kind == ThreadKind.SYSTEM:
                count = 1
            else:
                count = min(rng.choice(MESSAGE_COUNTS), left)
            if kind == ThreadKind.PAYER and not first_biller_thread:
                if for_biller and not review_request_done:
                    request_items = self._review_panel_items()
                    review_request_done = True
                elif rng.random() < 0.08:
                    request_items = self._request_items(owner)
            left -= count
            self._thread(
                buffers,
                kind=kind,
                owner=owner,
                org=org,
                colleagues=colleagues,
                count=count,
                request_items=request_items,
                headline=first_biller_thread,
            )
            first_biller_thread = False
            flush()
        flush(force=True)

    def _thread(self, buffers, *, kind, owner, org, colleagues, count, request_items, headline) -> None:
        rng = self.rng
        thread = _make(
            Thread,
            uuid=self._uuid(),
            kind=kind,
            organization_id=org if kind != ThreadKind.SYSTEM else None,
            created_by_id=owner if kind != ThreadKind.SYSTEM else None,
        )
        thread.id = self._id(Thread)
        start = self._ago(1, 365)
        if kind == ThreadKind.SYSTEM:
            subject = rng.choice(SYSTEM_SUBJECTS)
        elif kind == ThreadKind.ORGANIZATION:
            subject = rng.choice(ORG_SUBJECTS)
        else:
            subject = rng.choice(SUBJECTS).format(claim=f"LC{rng.randrange(10**9):09d}", check=rng.randrange(10**9))
        if headline:
            subject = "Claims follow-up for Springfield Family Clinic"
        colleague = rng.choice(colleagues) if kind == ThreadKind.ORGANIZATION else None
        access_request = None
        if request_items is not None:
            access_request = self._access_request(buffers, thread, owner, org, request_items, start)
            subject = f"Add Facility {access_request.reference}: {len(request_items[1])} provider IDs"
        thread.subject = subject
        when = start
        last_from_owner = True
        for i in range(count):
            if i:
                when = min(when + datetime.timedelta(seconds=rng.randint(300, 172_800)), self.now)
            if kind == ThreadKind.SYSTEM:
                sender, from_payer = None, False
            elif i % 2 == 0:
                sender, from_payer = owner, False
            elif kind == ThreadKind.PAYER:
                sender, from_payer = rng.choice(self.staff_ids), True
            else:
                sender, from_payer = colleague, False
            last_from_owner = sender == owner
            if i == 0 and access_request is not None:
                body = request_items[2]
            else:
                body = " ".join(rng.sample(SENTENCES, rng.randint(1, 4)))
                if rng.random() < 0.15:
                    body += "\n\n" + rng.choice(SENTENCES)
            buffers[Message].append(
                _make(
                    Message,
                    uuid=self._uuid(),
                    thread_id=thread.id,
                    sender_id=sender,
                    from_payer=from_payer,
                    body=body,
                    created_at=when,
                )
            )
        thread.created_at = start
        thread.last_message_at = when
        if kind == ThreadKind.PAYER:
            # The payer team has not opened the provider's latest message yet.
            thread.payer_unread = last_from_owner and rng.random() < 0.3
            if access_request is not None and access_request.status == RequestStatus.OPEN:
                thread.payer_unread = rng.random() < 0.5
            thread.assigned_to_id = rng.choice(self.staff_ids) if rng.random() < 0.3 else None
        buffers[Thread].append(thread)
        for pk in (owner, colleague) if colleague else (owner,):
            buffers[Participant].append(
                _make(
                    Participant,
                    thread_id=thread.id,
                    user_id=pk,
                    last_message_at=when,
                    unread=(pk != owner or not last_from_owner) and rng.random() < 0.3,
                    archived=rng.random() < 0.08,
                )
            )
        if len(self.thread_sample) < 10_000 and rng.random() < 0.05:
            self.thread_sample.append((str(thread.uuid), subject, thread.organization_id))

    def _request_items(self, requester: int):
        """(status, [(kind, value, pid or None, decision, reason)], first message) of a request."""
        rng = self.rng
        person = self.person_by_id.get(requester)
        scope = person.scope if person else []
        status = self._pick(
            [
                (30, RequestStatus.OPEN),
                (40, RequestStatus.APPROVED),
                (15, RequestStatus.PARTIALLY_APPROVED),
                (15, RequestStatus.DENIED),
            ]
        )
        if status in (RequestStatus.APPROVED, RequestStatus.PARTIALLY_APPROVED) and not scope:
            status = RequestStatus.DENIED
        items, seen = [], set()
        for index in range(rng.randint(1, 5)):
            approve = status == RequestStatus.APPROVED or (status == RequestStatus.PARTIALLY_APPROVED and index == 0)
            if approve:
                pid, kind, value = rng.choice(scope)  # granted then: now in the requester's scope
                item = (kind, value, pid, ItemDecision.APPROVED, "")
            else:
                kind, value, pid = self._some_npi()
                decision = ItemDecision.PENDING if status == RequestStatus.OPEN else ItemDecision.DENIED
                item = (
                    kind,
                    value,
                    None,
                    decision,
                    "Not billed under your TIN" if decision == ItemDecision.DENIED else "",
                )
            if (item[0], item[1]) not in seen:
                seen.add((item[0], item[1]))
                items.append(item)
        return status, items, _request_message(items)

    def _some_npi(self):
        """An NPI of the claim system (60 %) or a valid one the claim system does not know."""
        rng = self.rng
        if rng.random() < 0.6 and self.all_npis:
            pk, value, _org = rng.choice(self.all_npis)
            return ProviderIdKind.NPI, value, pk
        while True:
            value = npi_from_base(rng.randrange(300_000_000, 400_000_000))
            if value not in self.npi_values:
                return ProviderIdKind.NPI, value, None

    def _review_panel_items(self):
        """biller@demo.test's open request with the maximum of 20 IDs, for the review panel."""
        items, seen = [], set()

        def add(kind, value):
            if (kind, value) not in seen and len(items) < 20:
                seen.add((kind, value))
                items.append((kind, value, None, ItemDecision.PENDING, ""))

        add(ProviderIdKind.TIN, OUTSIDER_TIN)
        add(ProviderIdKind.NPI, "1245319599")  # the demo TIN, not in the biller's scope
        if self.biller_npis:
            add(ProviderIdKind.NPI, self.biller_npis[0][1])  # granted since the request was sent
        while len(items) < 15:
            add(*self._some_npi()[:2])
        while len(items) < 20:
            kind, value, _pid = self._some_npi()
            add(kind, value)
        return RequestStatus.OPEN, items, _request_message(items)

    def _access_request(self, buffers, thread, requester, org, request_items, start):
        rng = self.rng
        status, items, _body = request_items
        decided = status != RequestStatus.OPEN
        access_request = _make(
            AccessRequest,
            uuid=self._uuid(),
            requester_id=requester,
            organization_id=org,
            note="Please add our new providers." if rng.random() < 0.3 else "",
            status=status,
            thread_id=thread.id,
            created_at=start,
            decided_at=start + datetime.timedelta(hours=rng.randint(1, 120)) if decided else None,
            decided_by_id=rng.choice(self.staff_ids) if decided else None,
        )
        access_request.id = self._id(AccessRequest)
        buffers[AccessRequest].append(access_request)
        for kind, value, pid, decision, reason in items:
            buffers[AccessRequestItem].append(
                _make(
                    AccessRequestItem,
                    request_id=access_request.id,
                    kind=kind,
                    value=value,
                    decision=decision,
                    reason=reason,
                    provider_identifier_id=pid,
                    levels_granted=[],
                )
            )
        return access_request

    # --- audit ---------------------------------------------------------------------------------------

    def _audit(self) -> None:
        rng, total = self.rng, self.sizes.events
        if not total:
            return
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        actors = [p for p in self.people if p.status == UserStatus.ACTIVE]
        providers = [p for p in actors if p.kind == UserKind.PROVIDER]
        staff = [p for p in actors if p.kind == UserKind.PAYER_STAFF] or actors
        personas = [
            _Person(
                u.pk, u.email, str(u.uuid), u.kind, u.status, self.demo_org.pk if u.kind == UserKind.PROVIDER else None
            )
            for u in (self.biller, self.manager)
        ]
        members_of = defaultdict(list)
        for p in providers:
            if p.org_id is not None:
                members_of[p.org_id].append(p)
        self.member_orgs = list(members_of)
        labels = {level.value: level.label for level in AccessLevel}
        span_us = 365 * 86_400 * 1_000_000
        step_us = max(1, span_us // total)
        start = self.now - datetime.timedelta(microseconds=span_us + 3_600_000_000)
        ips = [f"203.0.113.{i}" for i in range(1, 255)] + [f"198.51.100.{i}" for i in range(1, 255)]
        batch = []
        for i, pk in enumerate(self._ids(AuditEvent, total)):
            roll = rng.random()
            if roll < 0.02:
                actor = personas[0]
            elif roll < 0.04:
                actor = personas[1]
            elif roll < 0.84 or not staff:
                actor = rng.choice(providers) if providers else rng.choice(actors)
            else:
                actor = rng.choice(staff)
            action, target, org_id, details = self._audit_action(actor, members_of, labels)
            target_type, target_id, target_repr = target
            when = start + datetime.timedelta(microseconds=i * step_us + rng.randrange(step_us))
            event = _make(
                AuditEvent,
                id=pk,
                uuid=self._uuid(),
                occurred_at=when,
                actor_id=actor.id,
                actor_email=actor.email,
                action=action,
                target_type=target_type,
                target_id=target_id,
                target_repr=target_repr[:300],
                organization_id=org_id,
                details=details,
                ip_address=rng.choice(ips),
                user_agent=rng.choice(USER_AGENTS),
                prev_hash=prev_hash,
            )
            event.hash = prev_hash = event_hash(event)
            batch.append(event)
            if len(batch) >= CHUNK:
                self.writer.insert(AuditEvent, batch)
                batch = []
        self.writer.insert(AuditEvent, batch)

    def _audit_action(self, actor: _Person, members_of, labels):
        """(action, (target type, id, repr), organization id, details) of one plausible event."""
        rng = self.rng
        user_target = ("user", actor.uuid, actor.email)
        roll = rng.random()
        if roll < 0.30:
            return AuditAction.LOGIN.value, user_target, None, {"step": "password"}
        if roll < 0.55:
            return AuditAction.MFA_VERIFIED.value, user_target, None, {}
        if roll < 0.63:
            return AuditAction.LOGOUT.value, user_target, None, {}
        if roll < 0.73 and self.thread_sample:
            thread_uuid, subject, org_id = rng.choice(self.thread_sample)
            details = {
                "message": str(self._uuid()),
                "kind": ThreadKind.PAYER.value,
                "from_payer": actor.kind != UserKind.PROVIDER,
            }
            return AuditAction.MESSAGE_SENT.value, ("thread", thread_uuid, subject), org_id, details
        if roll < 0.81 and self.claim_sample and actor.kind == UserKind.PROVIDER:
            claim_uuid, number, org_id = rng.choice(self.claim_sample)
            return "claim_viewed", ("claim", claim_uuid, number), org_id, {"claim_number": number}
        if roll < 0.85 and self.members:
            member_id, _name, member_uuid = rng.choice(self.members)
            details = {"member_id": member_id, "date_of_service": self.today.isoformat(), "result": "covered"}
            return "eligibility_checked", ("member", member_uuid, f"Member {member_id}"), None, details
        # A change to a colleague: by the organization's account manager or by payer staff.
        org_id = actor.org_id if actor.org_id in members_of else rng.choice(self.member_orgs) if members_of else None
        if org_id is None:
            return AuditAction.LOGIN.value, user_target, None, {"step": "password"}
        subject = rng.choice(members_of[org_id])
        target = ("user", subject.uuid, subject.email)
        if roll < 0.93:
            added = sorted(labels[lv] for lv in rng.sample(ALL_LEVELS, rng.randint(1, 3)))
            return AuditAction.LEVELS_CHANGED.value, target, org_id, {"added": added, "removed": []}
        if roll < 0.97 and subject.scope:
            _pk, _kind, value = rng.choice(subject.scope)
            return AuditAction.SCOPE_ADDED.value, target, org_id, {"provider_ids": [f"NPI {value}"], "reason": ""}
        details = {"from": UserStatus.ACTIVE.value, "to": UserStatus.DISABLED.value, "reason": "Left the practice"}
        return AuditAction.STATUS_CHANGED.value, target, None, details

    # --- prior authorizations --------------------------------------------------------------------

    def _authorizations(self) -> None:
        """Requests with 1 to 3 diagnoses and 1 to 3 lines, in every status, under the NPIs (weighted
        as the claims; the demo share under manager@demo.test's NPI), a timeline line per submitted
        one, and some denials appealed. Its own random stream (after every other step), so adding it
        changed none of the other rows."""
        rng = random.Random(f"{self.seed}-authorizations")
        count = self.sizes.authorizations
        if not count:
            return
        codes = list(AuthorizationService.objects.filter(requires_authorization=True).values_list("code", "categories"))
        reasons = list(DenialReason.objects.filter(active=True).values_list("pk", flat=True))
        demo_npi = ProviderIdentifier.objects.get(value="1234567893").pk
        others = [(pk, org) for pk, _value, org in self.all_npis if org != self.demo_org.pk] or [(demo_npi, 0)]
        weights = [min(rng.paretovariate(1.1), 500.0) for _ in others]
        cumulative = list(_accumulate(weights))
        requester_of: dict[int, int] = {}
        for person in self.people:
            if person.org_id and L.AUTHORIZATIONS in person.levels:
                requester_of.setdefault(person.org_id, person.id)
        demo_share = min(self.sizes.manager_authorizations, count)
        ids = self._ids(AuthorizationRequest, count)
        requests, diagnoses, lines, events = [], [], [], []
        denied_pks: list[int] = []

        def flush(force=False):
            if force or len(requests) >= CHUNK:
                for model, objs in (
                    (AuthorizationRequest, requests),
                    (Diagnosis, diagnoses),
                    (ServiceLine, lines),
                    (AuthorizationEvent, events),
                ):
                    if objs and model is not AuthorizationRequest:
                        for obj, pk in zip(objs, self._ids(model, len(objs)), strict=True):
                            obj.id = pk
                    self.writer.insert(model, objs)
                    objs.clear()

        for i, pk in enumerate(ids):
            if i < demo_share:
                pid, creator = demo_npi, self.manager.pk
            else:
                pid, org = others[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]
                creator = requester_of.get(org, self.manager.pk)
            status = self._pick_with(rng, AUTH_STATUSES)
            urgency = Urgency.EXPEDITED if rng.random() < 0.15 else Urgency.STANDARD
            created = self.now - datetime.timedelta(seconds=rng.randrange(2 * 365 * 86_400))
            planned = created.date() + datetime.timedelta(days=rng.randint(3, 40))
            code_rows = rng.sample(codes, k=min(len(codes), rng.choice((1, 1, 1, 2, 2, 3))))
            category = (code_rows[0][1] or [Category.OUTPATIENT])[0]
            received = due = decided = None
            if status != AuthStatus.DRAFT:
                received = created + datetime.timedelta(minutes=rng.randint(5, 600))
                hours = 72 if urgency == Urgency.EXPEDITED else 24 * 7
                due = received + datetime.timedelta(hours=hours)
                if status in (AuthStatus.APPROVED, AuthStatus.PARTIALLY_APPROVED, AuthStatus.DENIED):
                    decided = received + datetime.timedelta(minutes=rng.randint(30, hours * 60 - 1))
            appeal_of = None
            if status != AuthStatus.DRAFT and denied_pks and rng.random() < 0.03:
                appeal_of = denied_pks[rng.randrange(len(denied_pks))]
            line_decisions = [LineDecision.PENDING] * len(code_rows)
            if status == AuthStatus.APPROVED:
                line_decisions = [LineDecision.APPROVED] * len(code_rows)
            elif status == AuthStatus.DENIED:
                line_decisions = [LineDecision.DENIED] * len(code_rows)
            elif status == AuthStatus.PARTIALLY_APPROVED:
                line_decisions = [LineDecision.APPROVED] + [LineDecision.DENIED] * (len(code_rows) - 1)
                if len(code_rows) == 1:
                    line_decisions = [LineDecision.MODIFIED]
            approved_any = any(d in (LineDecision.APPROVED, LineDecision.MODIFIED) for d in line_decisions)
            if LineDecision.DENIED in line_decisions:
                denied_pks.append(pk)
            valid_to = planned + datetime.timedelta(days=90)
            requests.append(
                _make(
                    AuthorizationRequest,
                    id=pk,
                    uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    reference=f"PA-{created.year}-{pk:06d}",
                    status=status,
                    created_by_id=creator,
                    created_at=created,
                    updated_at=decided or received or created,
                    member_id=self.member_pks[rng.randrange(len(self.member_pks))],
                    planned_service_date=planned,
                    requesting_provider_id=pid,
                    servicing_npi="1234567893",
                    servicing_name="Springfield General Hospital",
                    category=category,
                    urgency=urgency,
                    expedited_attested=urgency == Urgency.EXPEDITED,
                    place_of_service=rng.choice(AUTH_PLACES),
                    step=6,
                    received_at=received,
                    due_at=due,
                    info_needed="Office notes of the last two visits." if status == AuthStatus.INFO_REQUESTED else "",
                    info_deadline=(received + datetime.timedelta(days=5)).date()
                    if status == AuthStatus.INFO_REQUESTED
                    else None,
                    decided_at=decided,
                    certification_number=f"C{pk:09d}" if approved_any else "",
                    valid_from=planned if approved_any else None,
                    valid_to=valid_to if approved_any else None,
                    withdrawn_at=received + datetime.timedelta(days=1) if status == AuthStatus.WITHDRAWN else None,
                    appeal_of_id=appeal_of,
                )
            )
            for position, (code, description) in enumerate(
                rng.sample(AUTH_DIAGNOSES, k=rng.choice((1, 1, 2, 3))), start=1
            ):
                diagnoses.append(_make(Diagnosis, request_id=pk, position=position, code=code, description=description))
            for number, ((code, _categories), decision) in enumerate(zip(code_rows, line_decisions, strict=True), 1):
                units = rng.choice((1, 1, 1, 2, 6, 12))
                approved = decision in (LineDecision.APPROVED, LineDecision.MODIFIED)
                lines.append(
                    _make(
                        ServiceLine,
                        request_id=pk,
                        line_number=number,
                        code=code,
                        units=units,
                        date_from=planned,
                        date_to=valid_to,
                        decision=decision,
                        approved_units=(max(1, units // 2) if decision == LineDecision.MODIFIED else units)
                        if approved
                        else None,
                        approved_from=planned if approved else None,
                        approved_to=valid_to if approved else None,
                        denial_reason_id=rng.choice(reasons) if decision == LineDecision.DENIED else None,
                    )
                )
            if received is not None:
                events.append(
                    _make(
                        AuthorizationEvent,
                        request_id=pk,
                        kind=EventKind.APPEAL_SUBMITTED if appeal_of else EventKind.SUBMITTED,
                        at=received,
                        actor_id=creator,
                        text=f"{Urgency(urgency).label} request.",
                    )
                )
            flush()
        flush(force=True)

    # --- live chat -------------------------------------------------------------------------------------

    def _chats(self) -> None:
        """Conversations as the chat services leave them, each over a new payer thread whose
        messages are its lines: most closed (2 to 12 lines and the closing line), a few waiting
        in the queue (no staff), a few in progress (analyst@demo.test among the staff), the
        analyst with a share of the recently closed ones, the biller with some. Its own random
        stream, so adding it changed none of the other rows."""
        rng = random.Random(f"{self.seed}-chats")
        count = self.sizes.chat_count
        if not count:
            return

        def new_uuid():
            return uuid.UUID(int=rng.getrandbits(128), version=4)

        providers = [(pk, org) for org, pks in self.msgbox_by_org.items() for pk in pks if pk != self.biller.pk]
        providers = providers or [(self.manager.pk, self.demo_org.pk)]
        waiting_n = min(count // 4, max(2, min(25, count // 200)))
        active_n = min(count // 4, max(2, min(12, count // 400)))
        analyst_active = max(1, active_n // 2)
        biller_n = min(count // 10, max(1, min(20, count // 250)))
        other_staff = [pk for pk in self.staff_ids if pk != self.analyst.pk] or [self.analyst.pk]
        open_providers = set()
        buffers: dict[type, list] = defaultdict(list)
        thread_ids = iter(self._ids(Thread, count))
        ids = iter(self._ids(Conversation, count))

        def flush(force=False):
            if force or len(buffers[Message]) >= CHUNK:
                for model in (Thread, Participant, Message, Conversation):
                    objs = buffers.pop(model, [])
                    missing = [obj for obj in objs if obj.pk is None]
                    for obj, pk in zip(missing, self._ids(model, len(missing)), strict=True):
                        obj.id = pk
                    self.writer.insert(model, objs)

        for i in range(count):
            if i < waiting_n:
                status = ConversationStatus.WAITING
            elif i < waiting_n + active_n:
                status = ConversationStatus.ACTIVE
            else:
                status = ConversationStatus.CLOSED
            closed_index = i - waiting_n - active_n
            if status == ConversationStatus.CLOSED and closed_index < biller_n:
                provider, org = self.biller.pk, self.demo_org.pk
            else:
                while True:
                    provider, org = providers[rng.randrange(len(providers))]
                    if status == ConversationStatus.CLOSED or provider not in open_providers:
                        break
                    if len(open_providers) >= len(providers):  # fewer providers than open chats
                        status = ConversationStatus.CLOSED
                        break
            if status != ConversationStatus.CLOSED:
                open_providers.add(provider)
            if status == ConversationStatus.WAITING:
                staff = None
                created = self.now - datetime.timedelta(seconds=rng.randint(20, 900))
            elif status == ConversationStatus.ACTIVE:
                staff = self.analyst.pk if i - waiting_n < analyst_active else rng.choice(other_staff)
                created = self.now - datetime.timedelta(seconds=rng.randint(300, 3_600))
            else:
                recent = closed_index < biller_n + max(3, count // 50)
                staff = self.analyst.pk if recent or rng.random() < 0.15 else rng.choice(self.staff_ids)
                created = self.now - datetime.timedelta(
                    seconds=rng.randint(3_600, 3 * 86_400) if recent else rng.randint(3 * 86_400, 365 * 86_400)
                )
            self._chat(buffers, rng, new_uuid, next(ids), next(thread_ids), status, provider, org, staff, created)
            flush()
        flush(force=True)

    def _chat(self, buffers, rng, new_uuid, pk, thread_id, status, provider, org, staff, created) -> None:
        claim = f"LC{rng.randrange(max(1, self.sizes.claims)):09d}"
        when = created
        lines = [
            (provider, False, rng.choice(CHAT_QUESTIONS).format(claim=claim, trace=f"LT{rng.randrange(10**6):010d}"))
        ]
        taken = closed = None
        if status != ConversationStatus.WAITING:
            taken = created + datetime.timedelta(seconds=rng.randint(10, 240))
            count = rng.choice(CHAT_LINE_COUNTS) if status == ConversationStatus.CLOSED else rng.randint(1, 4)
            for n in range(1, count):
                if n % 2:
                    lines.append((staff, True, rng.choice(CHAT_ANSWERS)))
                else:
                    lines.append((provider, False, rng.choice(CHAT_REPLIES).format(claim=claim)))
        last_from_provider = True
        for n, (sender, from_payer, body) in enumerate(lines):
            if n:
                when = max(when, taken) + datetime.timedelta(seconds=rng.randint(15, 180))
            buffers[Message].append(
                _make(
                    Message,
                    uuid=new_uuid(),
                    thread_id=thread_id,
                    sender_id=sender,
                    from_payer=from_payer,
                    body=body,
                    created_at=min(when, self.now),
                )
            )
            last_from_provider = not from_payer
        if status == ConversationStatus.CLOSED:
            by_staff = rng.random() < 0.7
            closed = when = min(when + datetime.timedelta(seconds=rng.randint(20, 300)), self.now)
            local = timezone.localtime(closed).strftime("%I:%M %p").lstrip("0")
            buffers[Message].append(
                _make(
                    Message,
                    uuid=new_uuid(),
                    thread_id=thread_id,
                    sender_id=None,
                    from_payer=False,
                    body=f"The live chat was closed by {'the team' if by_staff else 'you'} at {local}.",
                    created_at=closed,
                )
            )
        when = min(when, self.now)
        subject = f"Live chat on {timezone.localtime(created).strftime('%b %d, %Y at %I:%M %p').replace(' 0', ' ')}"
        buffers[Thread].append(
            _make(
                Thread,
                id=thread_id,
                uuid=new_uuid(),
                kind=ThreadKind.PAYER,
                subject=subject,
                organization_id=org,
                created_by_id=provider,
                created_at=created,
                last_message_at=when,
                # Waiting: nobody on the team has opened it; taken: the analyst reads it as it comes.
                payer_unread=status == ConversationStatus.WAITING,
                assigned_to_id=staff,
            )
        )
        buffers[Participant].append(
            _make(
                Participant,
                thread_id=thread_id,
                user_id=provider,
                last_message_at=when,
                # The closing line (or the analyst's answer) is unread until the provider opens it.
                unread=(status == ConversationStatus.CLOSED or not last_from_provider) and rng.random() < 0.3,
                archived=status == ConversationStatus.CLOSED and rng.random() < 0.1,
            )
        )
        buffers[Conversation].append(
            _make(
                Conversation,
                id=pk,
                uuid=new_uuid(),
                provider_id=provider,
                organization_id=org,
                thread_id=thread_id,
                status=status,
                staff_id=staff,
                created_at=created,
                taken_at=taken,
                closed_at=closed,
            )
        )

    # --- provider enrollment ---------------------------------------------------------------------------

    def _enrollments(self) -> None:
        """Applications in every status, as the enrollment services leave them: a Provider Admin
        (the TIN's account manager, or enroll@demo.test for the demo share) and grants to other
        users of the TIN, the sections' rows, the signature over the content's hash, the fee paid,
        corrections when returned, the review by the enrollment team and the history. Approved
        ones point at their TIN's organization and one of its NPIs, as approval leaves the claim
        system. Its own random stream, so adding it changed none of the other rows."""
        rng = random.Random(f"{self.seed}-enrollments")
        count = self.sizes.enrollment_count
        if not count:
            return
        from core.uploads import check_upload, store_upload
        from devdata.enrollment import a_pdf
        from enrollment.services import account_number_encrypt, content_hash, fee_for

        def new_uuid():
            return uuid.UUID(int=rng.getrandbits(128), version=4)

        personas = {u.email: u for u in User.objects.filter(email__in=["enroll@demo.test", "supervisor@demo.test"])}
        enroll, supervisor = personas["enroll@demo.test"], personas["supervisor@demo.test"]
        reviewers = [supervisor.pk, self.analyst.pk]
        # One stored W-9 that every generated application's document row points at (the download works).
        checked = check_upload(a_pdf())
        document_name, document_size = store_upload(checked, folder="enrollment"), checked.size
        users_of: dict[int, list[int]] = defaultdict(list)
        for person in self.people:
            if person.org_id and person.kind == UserKind.PROVIDER and person.status == UserStatus.ACTIVE:
                users_of[person.org_id].append(person.id)
        demo_colleagues = [self.manager.pk, *self.demo_colleagues[:50]]
        org_tin = dict(self.orgs) | {self.demo_org.pk: DEMO_TIN}
        orgs = [org for org, _tin in self.orgs if self.managers_by_org.get(org)]
        weights = [
            w for (org, _tin), w in zip(self.orgs, self.org_weights, strict=True) if self.managers_by_org.get(org)
        ]
        cumulative = list(_accumulate(weights)) if weights else []
        known_tins = set(org_tin.values()) | DEMO_TINS
        references = defaultdict(int)
        for reference in EnrollmentApplication.objects.values_list("reference", flat=True):
            year, _dash, number = reference[3:].partition("-")
            if number.isdigit():
                references[int(year)] = max(references[int(year)], int(number))
        names = {p.id: p.email for p in self.people}
        full_names = dict(User.objects.filter(pk__in=[enroll.pk, self.manager.pk]).values_list("pk", "full_name"))
        demo_share = self.sizes.enroll_applications
        buffers: dict[type, list] = defaultdict(list)

        def fresh_tin() -> str:
            while True:
                tin = f"{rng.randrange(100_000_000, 1_000_000_000):09d}"
                if tin not in known_tins and tin not in REPEATED_DIGIT_TINS:
                    known_tins.add(tin)
                    return tin

        def flush(force=False):
            if force or len(buffers[EnrollmentApplication]) >= CHUNK // 10:
                for model in (
                    EnrollmentApplication,
                    EnrollmentGrant,
                    Location,
                    License,
                    Owner,
                    Specialty,
                    BankAccount,
                    Document,
                    Payment,
                    Correction,
                    EnrollmentEvent,
                ):
                    objs = buffers.pop(model, [])
                    missing = [obj for obj in objs if obj.pk is None]
                    for obj, pk in zip(missing, self._ids(model, len(missing)), strict=True):
                        obj.id = pk
                    self.writer.insert(model, objs)

        for i, pk in enumerate(self._ids(EnrollmentApplication, count)):
            status = self._pick_with(rng, ENROLLMENT_STATUSES)
            if i < demo_share or not orgs:
                admin, admin_name = enroll.pk, full_names[enroll.pk]
                # Half for the demo TIN (its users get rights), half for facilities new to the plan.
                org = self.demo_org.pk if status == EnrollStatus.APPROVED or rng.random() < 0.5 else None
                colleagues = (
                    rng.sample(demo_colleagues, k=min(len(demo_colleagues), rng.choice((0, 1, 1, 2)))) if org else []
                )
            else:
                org = orgs[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]
                admin = self.managers_by_org[org][0]
                admin_name = names.get(admin, "")
                others = [u for u in users_of.get(org, []) if u != admin]
                colleagues = rng.sample(others, k=min(len(others), rng.choice((0, 0, 1, 1, 2, 3))))
            tin = org_tin[org] if org else fresh_tin()
            org_npis = self.npis_by_org.get(org, []) if org else []
            if status == EnrollStatus.APPROVED and org_npis:
                npi = rng.choice(org_npis)[1]
            else:
                if status == EnrollStatus.APPROVED:
                    status = EnrollStatus.IN_REVIEW
                npi = self._some_npi_from(rng)
            kind = ApplicantKind.INDIVIDUAL if rng.random() < 0.35 else ApplicantKind.FACILITY
            created = self.now - datetime.timedelta(seconds=rng.randrange(20 * 86_400, 700 * 86_400))
            if status == EnrollStatus.RETURNED:  # still within the days to correct it
                created = self.now - datetime.timedelta(seconds=rng.randrange(10 * 86_400, 60 * 86_400))
            references[created.year] += 1
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            city, state = rng.choice(CITIES)
            legal_name = (
                f"{first} {last} {rng.choice(DEGREES)}"
                if kind == ApplicantKind.INDIVIDUAL
                else f"{city} {rng.choice(SPECIALTIES)} {rng.choice(FACILITY_KINDS)}"
            )
            application = _make(
                EnrollmentApplication,
                id=pk,
                uuid=new_uuid(),
                reference=f"EN-{created.year}-{references[created.year]:05d}",
                kind=kind,
                is_dme_supplier=kind == ApplicantKind.FACILITY and rng.random() < 0.05,
                status=status,
                created_by_id=admin,
                created_at=created,
                legal_name=legal_name,
                fee_cents=fee_for(kind=kind, year=created.year),
            )
            buffers[EnrollmentApplication].append(application)
            events = [(EnrollmentEventKind.CREATED, created, admin, "")]
            buffers[EnrollmentGrant].append(
                _make(
                    EnrollmentGrant,
                    application_id=pk,
                    user_id=admin,
                    is_admin=True,
                    granted_by_id=admin,
                    granted_at=created,
                )
            )
            for user in colleagues:
                buffers[EnrollmentGrant].append(
                    _make(
                        EnrollmentGrant,
                        application_id=pk,
                        user_id=user,
                        sections={s: rng.choice(("none", "read", "read", "write")) for s in Section.values},
                        can_sign=rng.random() < 0.2,
                        can_pay=rng.random() < 0.3,
                        can_submit=rng.random() < 0.2,
                        can_message=rng.random() < 0.6,
                        granted_by_id=admin,
                        granted_at=created + datetime.timedelta(hours=rng.randint(1, 72)),
                    )
                )
            # A draft is part-way: its first sections filled in; anything else has them all.
            filled = rng.randint(0, 7) if status == EnrollStatus.DRAFT else 8
            rows = self._enrollment_sections(
                buffers,
                rng,
                new_uuid,
                application,
                filled,
                admin,
                city,
                state,
                npi,
                tin,
                created,
                document_name,
                document_size,
                account_number_encrypt,
            )
            when = created + datetime.timedelta(days=rng.randint(1, 10))
            application.updated_at = when
            if status == EnrollStatus.DRAFT:
                application.completed_sections = list(Section.values[:filled])
                for model, objs in rows.items():
                    buffers[model].extend(objs)
                self._enrollment_events(buffers, pk, events)
                flush()
                continue
            application.completed_sections = list(Section.values)
            application.attested, application.attested_by_id, application.attested_at = True, admin, when
            # The signature covers the content: the hash of the rows as the summary reads them.
            application._prefetched_objects_cache = {
                name: rows[model]
                for name, model in (
                    ("locations", Location),
                    ("licenses", License),
                    ("owners", Owner),
                    ("specialties", Specialty),
                    ("documents", Document),
                )
            }
            application._state.fields_cache["bank_account"] = rows[BankAccount][0]
            application.signed_hash = content_hash(application)
            del application._prefetched_objects_cache
            application._state.fields_cache.clear()
            application.signed_by_id, application.signed_name, application.signed_at = admin, admin_name, when
            events.append((EnrollmentEventKind.SIGNED, when, admin, ""))
            for model, objs in rows.items():
                buffers[model].extend(objs)
            if application.fee_cents:
                when += datetime.timedelta(minutes=rng.randint(2, 600))
                application.fee_paid_at = when
                buffers[Payment].append(
                    _make(
                        Payment,
                        uuid=new_uuid(),
                        application_id=pk,
                        processor="test",
                        amount_cents=application.fee_cents,
                        status=PaymentStatus.PAID,
                        started_by_id=admin,
                        created_at=when,
                        paid_at=when,
                    )
                )
                events.append((EnrollmentEventKind.FEE_PAID, when, admin, ""))
            when += datetime.timedelta(minutes=rng.randint(1, 300))
            application.submitted_at = when
            events.append((EnrollmentEventKind.SUBMITTED, when, admin, ""))
            if status != EnrollStatus.SUBMITTED:
                reviewer = rng.choice(reviewers)
                when += datetime.timedelta(hours=rng.randint(2, 120))
                events.append((EnrollmentEventKind.TAKEN, when, reviewer, ""))
                application.assigned_to_id = reviewer
                if status in (EnrollStatus.RETURNED, EnrollStatus.RESUBMITTED, EnrollStatus.REJECTED):
                    when += datetime.timedelta(hours=rng.randint(1, 48))
                    application.returned_at = when
                    notes = rng.sample(CORRECTIONS, k=rng.randint(1, 2))
                    for section, note in notes:
                        buffers[Correction].append(
                            _make(
                                Correction,
                                application_id=pk,
                                section=section,
                                note=note,
                                requested_by_id=reviewer,
                                requested_at=when,
                            )
                        )
                    text = "\n".join(f"- {Section(s).label}: {n}" for s, n in notes)
                    events.append((EnrollmentEventKind.RETURNED, when, reviewer, text))
                    days = settings.ENROLLMENT_CORRECTION_DAYS
                    if status == EnrollStatus.RETURNED:
                        application.correction_due = max(
                            when.date() + datetime.timedelta(days=days), self.today + datetime.timedelta(days=1)
                        )
                        application.status = status
                    elif status == EnrollStatus.RESUBMITTED:
                        when += datetime.timedelta(days=rng.randint(1, days - 1))
                        application.submitted_at = when
                        for correction in buffers[Correction][-len(notes) :]:
                            correction.resolved_at = when
                        events.append((EnrollmentEventKind.RESUBMITTED, when, admin, ""))
                    else:
                        application.correction_due = when.date() + datetime.timedelta(days=days)
                        when = datetime.datetime.combine(
                            application.correction_due + datetime.timedelta(days=1),
                            datetime.time(2),
                            tzinfo=datetime.UTC,
                        )
                        application.decided_at = when
                        application.decision_reason = f"Not corrected within {days} days."
                        events.append((EnrollmentEventKind.REJECTED, when, None, application.decision_reason))
                elif status in (EnrollStatus.APPROVED, EnrollStatus.DENIED):
                    if reviewer != supervisor.pk and rng.random() < 0.5:
                        when += datetime.timedelta(hours=rng.randint(1, 24))
                        events.append((EnrollmentEventKind.REASSIGNED, when, supervisor.pk, "To Sam Supervisor."))
                        application.assigned_to_id = supervisor.pk
                    when += datetime.timedelta(hours=rng.randint(2, 240))
                    application.decided_at, application.decided_by_id = when, supervisor.pk
                    if status == EnrollStatus.APPROVED:
                        application.organization_id = org
                        years = (
                            settings.ENROLLMENT_REVALIDATION_YEARS_DME
                            if application.is_dme_supplier
                            else settings.ENROLLMENT_REVALIDATION_YEARS
                        )
                        day = when.date()
                        application.revalidation_due = day.replace(year=day.year + years, day=min(day.day, 28))
                        events.append(
                            (
                                EnrollmentEventKind.APPROVED,
                                when,
                                supervisor.pk,
                                f"Revalidation due {application.revalidation_due:%m/%d/%Y}.",
                            )
                        )
                    else:
                        application.decision_reason = rng.choice(DENIALS)
                        events.append((EnrollmentEventKind.DENIED, when, supervisor.pk, application.decision_reason))
            application.updated_at = min(when, self.now)
            self._enrollment_events(buffers, pk, events)
            flush()
        flush(force=True)

    def _enrollment_events(self, buffers, pk, events) -> None:
        for kind, at, actor, text in events:
            buffers[EnrollmentEvent].append(
                _make(EnrollmentEvent, application_id=pk, kind=kind, at=min(at, self.now), actor_id=actor, text=text)
            )

    def _some_npi_from(self, rng: random.Random) -> str:
        """A valid NPI the claim system does not know yet (a provider new to the plan)."""
        while True:
            value = npi_from_base(rng.randrange(400_000_000, 500_000_000))
            if value not in self.npi_values:
                return value

    def _enrollment_sections(
        self,
        buffers,
        rng,
        new_uuid,
        application,
        filled,
        admin,
        city,
        state,
        npi,
        tin,
        created,
        document_name,
        document_size,
        encrypt,
    ) -> dict:
        """The rows of the first ``filled`` sections (in the summary's order), by model."""
        rows: dict[type, list] = defaultdict(list)
        pk = application.pk
        if filled >= 1:
            application.npi, application.tin = npi, tin
            application.taxonomy_code = rng.choice(TAXONOMIES[application.kind])
        if filled >= 2:
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                rows[Location].append(
                    _make(
                        Location,
                        id=self._id(Location),
                        uuid=new_uuid(),
                        application_id=pk,
                        address_line1=f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
                        city=city,
                        state=state,
                        postal_code=f"{rng.randint(10000, 99999)}",
                        phone=f"{rng.randint(201, 989)}-555-{rng.randint(0, 9999):04d}",
                        hours=rng.choice(("Mon–Fri 8:00–17:00", "Mon–Sat 7:00–19:00", "24 hours")),
                    )
                )
        if filled >= 3:
            for _ in range(rng.choice((1, 1, 2))):
                issued = self.today - datetime.timedelta(days=rng.randint(200, 3000))
                rows[License].append(
                    _make(
                        License,
                        id=self._id(License),
                        uuid=new_uuid(),
                        application_id=pk,
                        kind=rng.choice((LicenseKind.LICENSE, LicenseKind.LICENSE, LicenseKind.CERTIFICATION)),
                        number=f"{state}-{rng.randrange(10**6):06d}",
                        state=state,
                        issued_on=issued,
                        expires_on=self.today + datetime.timedelta(days=rng.randint(60, 1500)),
                    )
                )
        if filled >= 4:
            shares = [Decimal("100.00")] if rng.random() < 0.6 else [Decimal("60.00"), Decimal("40.00")]
            for share in shares:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                rows[Owner].append(
                    _make(
                        Owner,
                        id=self._id(Owner),
                        uuid=new_uuid(),
                        application_id=pk,
                        kind=OwnerKind.PERSON,
                        name=f"{first} {last}",
                        role=rng.choice(OWNER_ROLES),
                        percent=share,
                    )
                )
        if filled >= 5:
            for n, name in enumerate(rng.sample(ENROLLMENT_SPECIALTIES, k=rng.choice((1, 1, 2, 3)))):
                rows[Specialty].append(
                    _make(
                        Specialty,
                        id=self._id(Specialty),
                        uuid=new_uuid(),
                        application_id=pk,
                        name=name,
                        is_primary=n == 0,
                    )
                )
        if filled >= 6:
            number = f"{rng.randrange(10**11, 10**12)}"
            rows[BankAccount].append(
                _make(
                    BankAccount,
                    id=self._id(BankAccount),
                    application_id=pk,
                    holder_name=application.legal_name,
                    routing_number=rng.choice(ROUTING_NUMBERS),
                    account_number_encrypted=encrypt(number),
                    account_last4=number[-4:],
                )
            )
        if filled >= 7:
            rows[Document].append(
                _make(
                    Document,
                    id=self._id(Document),
                    uuid=new_uuid(),
                    application_id=pk,
                    description="W-9",
                    storage_name=document_name,
                    original_name="w9.pdf",
                    content_type="application/pdf",
                    size=document_size,
                    uploaded_by_id=admin,
                    uploaded_at=created + datetime.timedelta(hours=1),
                )
            )
        return rows

    @staticmethod
    def _pick_with(rng: random.Random, weighted):
        total = sum(w for w, _ in weighted)
        roll = rng.uniform(0, total)
        for weight, value in weighted:
            roll -= weight
            if roll <= 0:
                return value
        return weighted[-1][1]

    # --- finishing -----------------------------------------------------------------------------------

    def _member_counts(self) -> None:
        """User Management's counts per organization and status: the database's triggers kept them
        as the rows went in; checked against the members here, and rebuilt if a row went around them."""
        from accounts.services.member_counts import member_counts_rebuild

        wrong = member_counts_rebuild()
        if wrong:
            self.log(f"  member counts: {len(wrong)} rebuilt")

    def _reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.next_ids))
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    def _vacuum(self) -> None:
        """Visibility map and statistics, as autovacuum would leave them on a table in service."""
        tables = sorted({model._meta.db_table for model in self.next_ids} | {"accounts_user"})
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def _accumulate(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _request_message(items) -> str:
    lines = ["Please add these provider IDs to my account:", ""]
    lines += [f"- {ProviderIdKind(kind).label} {value}" for kind, value, *_rest in items]
    return "\n".join(lines)


def database_is_empty() -> bool:
    """Whether the database holds at most the demo data (the generator refuses to run twice)."""
    return not Claim.objects.filter(claim_number__startswith="LC").exists() and User.objects.count() <= 20
