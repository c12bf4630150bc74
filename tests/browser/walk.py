"""The pages the accessibility walk (test_accessibility.py) checks with axe, by URL name.

Each test of the walk ends by asserting it checked every page listed here under its name, so this
list is what the walk really covers. tests/test_accessibility_walk.py reads it without a browser and
fails when a page of the portal (a GET URL that renders HTML) is neither listed here nor exempt.
A new page: visit it in the test of the persona who sees it, check it, and list its URL name here.
"""

WALK: dict[str, frozenset[str]] = {
    "test_signed_out_pages_and_second_factor": frozenset(
        {
            "accounts:login",
            "accounts:register",
            "accounts:password_reset",
            "accounts:password_reset_done",
            "accounts:password_reset_confirm",
            "accounts:password_reset_complete",
            "accounts:register_complete",
            "accounts:register_mfa",
            "help:page",
            "prior_authorization:metrics",
            "prior_authorization:services",
            "accounts:mfa",
            "accounts:mfa_enroll",
        }
    ),
    "test_biller_pages": frozenset(
        {
            "portal:dashboard",
            "accounts:profile",
            "accounts:backup_codes",
            "accounts:profile_edit",
            "access_requests:add_facility",
            "access_requests:detail",
            "accounts:security",
            "accounts:passkey_name",  # the Security page again, the passkey's name missing
            "accounts:passkey_create",
            "accounts:passkey_step_up",
            "accounts:passkey_remove",  # its confirmation page
            "mailbox:inbox",
            "mailbox:thread",
            "mailbox:compose",
            "chat:leave_message",
            "claims:list",
            "claims:detail",
            "claims:eligibility",
            "claims:payments",
            "claims:payment",
            "claims:appeal_new",
            "claims:status",
            "claims:correct",
            "claims:submit",
            "claims:submit_drafts",
            "claims:submit_draft",
            "claims:submit_edit",
            "accounts:password_change",
            "help:index",
            "help:page",
        }
    ),
    "test_account_manager_pages": frozenset(
        {
            "portal:dashboard",
            "accounts:profile",
            "accounts:backup_codes",
            "accounts:user_management",
            "accounts:update_user",
            "accounts:invite",
            "access_reviews:my_tasks",
            "access_reviews:task",
            "manager_audit",
            "assessments:list",
            "assessments:member",
            "assessments:detail",
            "health_records:index",
            "health_records:record",
            "health_records:record_section",
            "health_records:care_gaps",
            "help:page",
        }
    ),
    "test_authorizations_pages": frozenset(
        {
            "authorizations:list",
            "authorizations:needed",
            "authorizations:new",
            "authorizations:draft_step",
            "authorizations:draft_delete",  # its confirmation page
            "authorizations:detail",
            "authorizations:information",
            "authorizations:appeal",
            "authorizations:withdraw",  # its confirmation page
        }
    ),
    "test_enrollment_pages": frozenset(
        {
            "enrollment:list",
            "enrollment:new",
            "enrollment:summary",
            "enrollment:section",
            "enrollment:users",
            "enrollment:sign",
            "enrollment:pay",
            "enrollment:pay_test",
            "enrollment:pay_return",
            "enrollment:submit",
            "control_panel:enrollment_queue",
            "control_panel:enrollment",
            "help:page",
        }
    ),
    "test_control_panel_pages": frozenset(
        {
            "control_panel:home",
            "control_panel:mailbox",
            "control_panel:mailbox_thread",
            "control_panel:chat",
            "control_panel:users",
            "control_panel:user",
            "control_panel:user_scope_remove",  # its confirmation page
            "control_panel:organizations",
            "control_panel:organization",
            "control_panel:requests",
            "control_panel:authorizations",
            "control_panel:authorization",
            "control_panel:reviews",
            "control_panel:review",
            "control_panel:audit",
            "control_panel:emails",
            "control_panel:email_retry",  # its confirmation page
            "control_panel:assessments",
            "control_panel:assessment",
            "control_panel:health_records",
            "control_panel:appeals",
            "control_panel:appeal",
            "help:index",
            "help:page",
        }
    ),
}


def walked() -> frozenset[str]:
    """Every URL name the walk checks, whoever checks it."""
    return frozenset().union(*WALK.values())
