"""The project layer: a briefing project's files, read, validated and cross-checked into one immutable Project.

Stage 1 reads each YAML file keeping the line of every value (``yaml``, over
the bounded parser of ``yaml_parser``); stage 2 validates it against the
pydantic ``schema`` (errors worded by ``messages``, archive file names by
``archive_names``), checks settings against the world (``settings_checks``:
images, stylesheets, locales, time zones, cron schedules) and across files
(``crosscheck``, with ``markup`` for the Markdown a fact may use), passes
warnings through ``acknowledge:`` entries (``acknowledge``) and returns a
``model.Project`` (``loader``). ``scaffold`` creates a new project. Nothing
here imports the layers above: the attribution audit runs over a loaded
project in ``briefings.audit.project_audit``.
"""
