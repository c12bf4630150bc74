"""Secure messages and the email outbox.

Note: this package shadows the standard library's ``mailbox`` module inside the project; nothing
in the project or its dependencies uses that module.
"""
