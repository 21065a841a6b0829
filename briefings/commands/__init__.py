"""The ``briefings`` commands, one module per family (as MkDocs' ``commands/``).

Contract: each module defines Click commands that only parse, call the
library and print; :mod:`briefings.cli` holds the group, the shared helpers
(problems, exit codes, printing without markup, imports on first use) and
registers the commands. ``build`` renders; ``project`` holds the commands
that inspect or create a project (``check``, ``list``, ``init``).
"""
