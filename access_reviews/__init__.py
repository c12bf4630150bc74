"""Periodic access reviews (recertification): account managers confirm or revoke each user's access."""
