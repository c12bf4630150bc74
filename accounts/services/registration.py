"""Registration and the emailed one-time links: a person registers (Verification pending), gets a
link once verified, sets a password and enrolls MFA, and is then Active."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import account_managers
from accounts.models import (
    LinkPurpose,
    Membership,
    Organization,
    Registration,
    RegistrationLink,
    User,
    UserStatus,
)
from accounts.services.mfa import totp_enrollment_confirm
from accounts.services.users import user_create, user_status_set
from accounts.validators import validate_npi, validate_tin
from audit.models import AuditAction
from audit.services import record
from core import policy, ratelimit
from outbox.services import email_enqueue_template


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def registration_link_issue(
    *, user: User, actor: User | None, organization: Organization | None = None, purpose: str = LinkPurpose.REGISTRATION
) -> str:
    """Void the user's earlier links, create a new one and email it. Returns the raw token (for tests)."""
    now = timezone.now()
    RegistrationLink.objects.filter(user=user, used_at__isnull=True, voided_at__isnull=True).update(voided_at=now)
    raw = secrets.token_urlsafe(32)
    ttl = policy.invitation_ttl() if purpose == LinkPurpose.INVITATION else policy.registration_link_ttl()
    RegistrationLink.objects.create(
        user=user,
        purpose=purpose,
        token_hash=_hash(raw),
        organization=organization,
        created_by=actor,
        created_at=now,
        expires_at=now + ttl,
    )
    email_enqueue_template(
        to=user.email,
        template="invitation" if purpose == LinkPurpose.INVITATION else "registration",
        context={
            "user": user,
            "organization": organization,
            "inviter": actor,
            "url": settings.SITE_URL + reverse("accounts:register_complete", args=[raw]),
            "hours": int(ttl.total_seconds() // 3600),
            "days": ttl.days,
        },
    )
    record(
        action=AuditAction.REGISTRATION_EMAIL_SENT,
        actor=actor,
        target=user,
        organization=organization,
        details={"purpose": purpose, "expires_at": (now + ttl).isoformat()},
    )
    return raw


def link_validity(purpose: str = LinkPurpose.REGISTRATION) -> str:
    """How long an emailed link works, in the words the pages use ("72 hours", "7 days", "1 day")."""
    if purpose == LinkPurpose.INVITATION:
        return policy.quantity(settings.INVITATION_DAYS, "day")
    return policy.quantity(settings.REGISTRATION_LINK_HOURS, "hour")


def registration_link_find(*, raw: str) -> RegistrationLink | None:
    """The usable link for this token (unused, not voided, not expired), or None."""
    link = RegistrationLink.objects.select_related("user").filter(token_hash=_hash(raw or "")).first()
    if link is None or not link.is_usable or link.user.status != UserStatus.UNVERIFIED:
        return None
    return link


@transaction.atomic
def registration_password_set(*, link: RegistrationLink, password: str) -> User:
    """First step of completing registration: the password (validated by the form)."""
    link = RegistrationLink.objects.select_for_update().select_related("user").get(pk=link.pk)
    if not link.is_usable:
        raise ValidationError("This link no longer works. Ask your account manager for a new one.")
    user = link.user
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def registration_complete(*, link: RegistrationLink, device, token: str, request=None) -> list[str] | None:
    """Second step: confirm the authenticator; the user becomes Active. Returns backup codes."""
    link = RegistrationLink.objects.select_for_update().select_related("user").get(pk=link.pk)
    user = link.user
    if not link.is_usable or not user.has_usable_password():
        raise ValidationError("This link no longer works. Ask your account manager for a new one.")
    codes = totp_enrollment_confirm(user=user, device=device, token=token, request=request)
    if codes is None:
        return None
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    User.objects.filter(pk=user.pk).update(last_login=link.used_at)
    user_status_set(actor=user, user=user, status=UserStatus.ACTIVE, reason="Registration completed", request=request)
    record(action=AuditAction.REGISTRATION_COMPLETED, actor=user, target=user, organization=link.organization)
    return codes


@transaction.atomic
def registration_submit(
    *, full_name: str, email: str, phone: str, tin: str, npi: str = "", request=None
) -> Registration | None:
    """Register a person under a TIN. Answers the same whether or not the email is known: the owner
    of an existing address gets an email instead of a second account (returns None then)."""
    validate_tin(tin)
    if npi:
        validate_npi(npi)
    email = User.objects.normalize_email(email)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        if ratelimit.hit("registration-tin-email", f"email:{email}") is not None:
            record(action=AuditAction.REGISTRATION_DUPLICATE, actor_email=email, target=existing, request=request)
            return None  # the owner was told already today
        email_enqueue_template(
            to=email,
            template="registration_exists",
            context={"user": existing, "url": settings.SITE_URL + reverse("accounts:password_reset")},
        )
        record(action=AuditAction.REGISTRATION_DUPLICATE, actor_email=email, target=existing, request=request)
        return None
    user = user_create(
        actor=None, email=email, full_name=full_name, phone=phone, status=UserStatus.VERIFICATION_PENDING
    )
    organization = Organization.objects.filter(tin=tin).first()
    managers = list(account_managers(organization=organization)) if organization and organization.tin_verified else []
    registration = Registration.objects.create(
        user=user, tin=tin, npi=npi, organization=organization, routed_to_payer=not managers
    )
    if organization is not None:
        Membership.objects.get_or_create(user=user, organization=organization)
    # Every registration waits in the queue; only the first few a day per TIN send an email, so a
    # flood of registrations cannot flood its managers' (or the payer team's) inbox.
    notify = ratelimit.hit("registration-tin-email", f"tin:{tin}") is None
    if managers and notify:
        for manager in managers:
            email_enqueue_template(
                to=manager.email,
                template="registration_pending",
                context={
                    "manager": manager,
                    "organization": organization,
                    "url": settings.SITE_URL + reverse("accounts:update_user", args=[user.uuid]),
                },
            )
    elif notify:
        for address in settings.PAYER_TEAM_EMAILS:
            email_enqueue_template(
                to=address,
                template="payer_registration_pending",
                context={"url": settings.SITE_URL + reverse("control_panel:organizations")},
            )
    record(
        action=AuditAction.REGISTRATION_SUBMITTED,
        actor_email=email,
        target=user,
        organization=organization,
        details={
            "tin": tin,
            "npi": npi,
            "routed_to": "payer" if not managers else "account managers",
            **({} if notify else {"emailed": False}),
        },
        request=request,
    )
    return registration
