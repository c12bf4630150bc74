"""The portal's named URLs, read from the URL resolver, and the objects to fill their arguments.

The guards over the hand-kept lists (breadcrumbs, the access matrix, the accessibility walk, the
query-count baseline) walk the resolver with these helpers, so a new URL is met by each of them.
"""

from django.urls import URLPattern, URLResolver, get_resolver

from portal import help as help_pages


def named_urls(patterns=None, namespace=""):
    """(full name, argument names) of every named URL, Django's admin left out (it has its own)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", sorted(entry.pattern.converters)


def arguments(world, name: str, params: list[str]) -> list[dict]:
    """The kwargs to open ``name`` with, from the access matrix's world: one set, or one per help
    page."""
    values = {
        "user_uuid": world.biller.uuid,
        "thread_uuid": world.thread.uuid,
        "request_uuid": world.access_request.uuid,
        "task_uuid": world.task.uuid,
        "campaign_uuid": world.campaign.uuid,
        "organization_uuid": world.org.uuid,
        "registration_uuid": world.registration.uuid,
        "identifier_uuid": world.npi.uuid,
        "claim_number": world.claim.claim_number,
        "payment_uuid": world.payment.uuid,
        "appeal_uuid": world.appeal.uuid,
        "document_uuid": world.appeal.documents.get().uuid,
        "passkey_id": world.passkey.credential_id_sha256,
        "assessment_uuid": world.assessment.uuid,
        "member_uuid": world.hr_member.uuid,
        "section": "medications",
        "authorization_uuid": world.authorization.uuid,
        "attachment_uuid": world.attachment.uuid,
        "step": "review",
        "draft_uuid": world.claim_draft.uuid,
        "email_uuid": world.failed_email.uuid,
    }
    if name.startswith("authorizations:draft_"):
        values["authorization_uuid"] = world.authorization_draft.uuid
    elif name in ("authorizations:letter", "authorizations:appeal", "control_panel:authorization_letter"):
        values["authorization_uuid"] = world.decided_authorization.uuid
    if name.startswith(("enrollment:", "control_panel:enrollment")):
        application = world.enrollment_review if name.startswith("control_panel:") else world.enrollment
        values.update(
            application_uuid=application.uuid,
            user_uuid=world.biller.uuid,
            payment_uuid=world.enrollment_payment.uuid,
            document_uuid=application.documents.get().uuid,
            section="locations",
            row_uuid=application.locations.get().uuid,
        )
    if params == ["slug"]:
        return [{"slug": page.slug} for page in help_pages.PAGES]
    missing = [p for p in params if p not in values]
    assert not missing, f"{name}: teach this test the URL argument(s) {missing}"
    return [{p: values[p] for p in params}]
