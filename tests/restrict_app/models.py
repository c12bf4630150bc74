"""A model the portal does not have, declared the way a new module would declare its own."""

from django.db import models

from accounts.access import RestrictedManager


class Referral(models.Model):
    """A referral sent under one provider ID (test only)."""

    provider_identifier = models.ForeignKey("accounts.ProviderIdentifier", on_delete=models.CASCADE)
    note = models.CharField(max_length=100, blank=True)

    objects = RestrictedManager()
    access_provider_path = "provider_identifier"
    access_organization_path = "provider_identifier__organization"

    def __str__(self) -> str:
        return f"Referral {self.pk}"
