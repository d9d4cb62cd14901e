"""Staff: accounts, roles, login sessions, CSRF and the audit log.

Invariants: passwords only as argon2id hashes; a session ends for good at logout;
every state-changing staff form carries a CSRF token.
"""
