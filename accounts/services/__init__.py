"""Every write to identity and access data, one module per concern.

A service is a keyword-only function named ``<thing>_<verb>`` that validates, writes in one
transaction and records its audit event there. Reads live in ``accounts.selectors`` and
``accounts.access``. Services here never post to the Message Box: notices about a user's account
are sent by the ``user_management`` services that call them.
"""
