"""Append-only audit events, their views and export."""
