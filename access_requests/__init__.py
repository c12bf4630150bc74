"""Add Facility: providers ask for more provider IDs; payer staff decide on one screen."""
