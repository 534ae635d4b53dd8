"""The subscriber list as a small self-hosted service: SQLite store, double opt-in, one-click unsubscribe.

Why one package: the web layer (``web``), the coach's commands (``cli``) and ``send``
(``recipients.DatabaseRecipients``) all read and write the same store through ``store``, so the
rules (who may be mailed, what an unsubscribe means) live in one place.
"""
