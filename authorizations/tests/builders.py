"""Prior authorizations in given states, built through the services (for the guards' world)."""

from django.utils import timezone

from authorizations import services
from authorizations.models import LineDecision
from devdata.authorizations import draft_for, load_demo_tables


def matrix_authorizations(*, requester, provider, member, analyst):
    """(a request waiting for information, a decided request with its letter and a denied line, a
    draft, a request just submitted)."""
    load_demo_tables()
    waiting = services.authorization_submit(
        actor=requester, draft=draft_for(requester=requester, provider=provider, member=member, codes=("72148",))
    )
    services.information_request(
        analyst=analyst, authorization=waiting, needed="Matrix notes MX-5", deadline=timezone.localdate()
    )
    decided = services.authorization_submit(
        actor=requester,
        draft=draft_for(requester=requester, provider=provider, member=member, codes=("E0601", "E0260")),
    )
    services.authorization_decide(
        analyst=analyst,
        authorization=decided,
        choices={
            1: services.LineChoice(decision=LineDecision.APPROVED),
            2: services.LineChoice(decision=LineDecision.DENIED, reason_code="MN01", note="Matrix denial MX-7"),
        },
    )
    draft = draft_for(requester=requester, provider=provider, member=member, codes=("K0823",))
    fresh = services.authorization_submit(
        actor=requester, draft=draft_for(requester=requester, provider=provider, member=member, codes=("L1832",))
    )
    waiting.refresh_from_db()
    decided.refresh_from_db()
    return waiting, decided, draft, fresh
