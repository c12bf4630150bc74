"""The payment providers of the application fee, behind one small interface.

``ENROLLMENT_PAYMENT_PROCESSOR`` picks one: ``test`` (built in, for local use and the tests: the
portal's own page stands in for the provider and every page says "test payment") or ``stripe``
(Stripe Checkout through the official ``stripe`` package; the payment is confirmed only by the
signature-verified webhook, never by the browser coming back).
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe
from django.conf import settings
from django.urls import reverse

from enrollment.models import Payment


class WebhookRefused(Exception):
    """The webhook's payload or signature is not the provider's."""


@dataclass(frozen=True)
class WebhookResult:
    """What a verified webhook says: the payment it completes (None: an event of no interest)."""

    external_id: str | None
    payment_uuid: str | None


class TestProcessor:
    """The built-in processor: the portal's own "test payment" page confirms the payment."""

    name = "test"
    label = "Test payment"
    is_test = True

    def checkout_url(self, payment: Payment, *, return_url: str, cancel_url: str) -> str:
        payment.external_id = f"test_{payment.uuid.hex}"
        payment.save(update_fields=["external_id"])
        return reverse("enrollment:pay_test", args=[payment.application.uuid, payment.uuid])


class StripeProcessor:
    """Stripe Checkout: a hosted payment page, confirmed by the ``checkout.session.completed`` webhook."""

    name = "stripe"
    label = "Card payment (Stripe)"
    is_test = False

    def _client(self) -> stripe.StripeClient:
        return stripe.StripeClient(settings.STRIPE_SECRET_KEY)

    def checkout_url(self, payment: Payment, *, return_url: str, cancel_url: str) -> str:
        application = payment.application
        session = self._client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "client_reference_id": str(payment.uuid),
                "metadata": {"payment": str(payment.uuid), "application": application.reference},
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": payment.amount_cents,
                            "product_data": {"name": f"Enrollment application fee {application.reference}"},
                        },
                    }
                ],
                "success_url": settings.SITE_URL + return_url,
                "cancel_url": settings.SITE_URL + cancel_url,
            }
        )
        payment.external_id = session.id
        payment.save(update_fields=["external_id"])
        return session.url

    def parse_webhook(self, payload: bytes, signature: str) -> WebhookResult:
        """Verify the ``Stripe-Signature`` header with the webhook secret and read the event."""
        try:
            event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
        except (ValueError, stripe.SignatureVerificationError) as refused:
            raise WebhookRefused(str(refused)) from refused
        if event["type"] != "checkout.session.completed":
            return WebhookResult(external_id=None, payment_uuid=None)
        session = event["data"]["object"].to_dict()
        if session.get("payment_status") != "paid":
            return WebhookResult(external_id=None, payment_uuid=None)
        return WebhookResult(external_id=session["id"], payment_uuid=session.get("client_reference_id"))


PROCESSORS = {"test": TestProcessor, "stripe": StripeProcessor}


def processor() -> TestProcessor | StripeProcessor:
    return PROCESSORS[settings.ENROLLMENT_PAYMENT_PROCESSOR]()
