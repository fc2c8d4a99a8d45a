"""``tlsdoctor fix`` / ``tlsdoctor undo``: repair the machine, prove it, take it back.

Modules:

- ``journal``  — transactions with exact backups; ``undo`` (crash-safe, idempotent);
- ``fsutil``   — atomic writes (temp file + fsync + ``os.replace``);
- ``edits``    — pure byte-preserving edits: pip config keys, shell start-up files,
  the tlsdoctor-owned CA bundle;
- ``trust``    — stdlib-only certificate inspection and the fingerprint confirmation;
- ``plan``     — typed changes built from remedies Steps, and the one safety gate;
- ``apply``    — apply a plan in one transaction, verify, roll back when unverified;
- ``run``      — the conversation: CA confirmation, plan, ask / ``--yes``, apply, exit codes;
- ``command``  — ``tlsdoctor fix``: check, the diagnoses' Steps, verify by checking again;
- ``cli``      — the ``undo`` front end (``undo_cmd`` registers it).
"""
