"""The attribution audit: what facts, quotes and figures say, checked against archived copies of their sources.

From the bottom up: :mod:`~briefings.audit.normalise` (text folded for
comparison, with offsets back to the original), :mod:`~briefings.audit.numbers`
(numbers as news copy writes them), :mod:`~briefings.audit.match` (a passage
found as whole words, or the closest one), :mod:`~briefings.audit.grades`
(Admiralty grades), :mod:`~briefings.audit.archive` (reading an archived
copy), :mod:`~briefings.audit.results` (what the audit found: plain data the
renderers read) and :mod:`~briefings.audit.auditor` (the audit of a project).
"""
