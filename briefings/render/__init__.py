"""Rendering one briefing: the template context, Jinja in a sandbox, Markdown, HTML, PDF, Word and the JSON snapshot.

What templates see is declared in :mod:`~briefings.render.views` and built by
:mod:`~briefings.render.context`; :mod:`~briefings.render.environment` and
:mod:`~briefings.render.sandbox` run the template stack within bounds, with
:mod:`~briefings.render.filters`; :mod:`~briefings.render.markdown` numbers the
citations; :mod:`~briefings.render.html` and :mod:`~briefings.render.pdf`
(WeasyPrint, imported only for a PDF) and :mod:`~briefings.render.docx` (python-docx, imported only
for a Word document; the body walked by :mod:`~briefings.render.docx_body`) make the documents and
:mod:`~briefings.render.snapshot` the data; :mod:`~briefings.render.briefing`
renders one briefing in the formats asked for. :mod:`~briefings.render.checks`
and :mod:`~briefings.render.catalog` check and list the templates.
"""
