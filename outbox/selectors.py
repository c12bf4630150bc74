"""Reads of the outbox that pages use: the emails payer staff should look at."""

from django.db.models import Q, QuerySet

from outbox.models import OutboundEmail

# What the Control Panel's Email delivery page can show.
SHOW_FAILED = "failed"
SHOW_DUPLICATES = "possible_duplicate"
SHOW_ALL = "all"
SHOW_CHOICES = [
    (SHOW_FAILED, "Failed"),
    (SHOW_DUPLICATES, "Possibly sent twice"),
    (SHOW_ALL, "Failed or possibly sent twice"),
]
ATTENTION = Q(failed_at__isnull=False) | Q(possible_duplicate=True)


def emails_needing_attention(*, show: str = SHOW_FAILED, to: str = "") -> QuerySet[OutboundEmail]:
    """Failed emails, or emails that may have reached their recipient twice, or both (served by
    the partial index outbox_attention_idx); ``to`` narrows to recipients containing it. The body
    is left out: pages never show it."""
    emails = OutboundEmail.objects.filter(ATTENTION).defer("body")
    if show == SHOW_FAILED:
        emails = emails.filter(failed_at__isnull=False)
    elif show == SHOW_DUPLICATES:
        emails = emails.filter(possible_duplicate=True)
    if to:
        emails = emails.filter(to__icontains=to)
    return emails
