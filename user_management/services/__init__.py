"""The account managers' and the payer staff's writes on users and organizations.

Built on the identity services in ``accounts.services``: these add who may act on whom, the
comment history and the Message Box notices.
"""
