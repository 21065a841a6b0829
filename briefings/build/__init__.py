"""The build: from a loaded project to the files in ``output/``.

:mod:`~briefings.build.entry` is the build as the ``build`` command runs it:
the quick check (:mod:`~briefings.build.quick`), which tells from the last
complete build's record and the manifest alone that nothing changed, and
only otherwise :mod:`~briefings.build.orchestrate`, which runs read → plan →
render → write with one :class:`~briefings.build.report.BuildOptions`;
:mod:`~briefings.build.plan` decides what to render (with
:mod:`~briefings.build.fingerprint`, the :mod:`~briefings.build.manifest` of
the last build, :mod:`~briefings.build.shard` and :mod:`~briefings.build.clock`),
:mod:`~briefings.build.workers` renders in worker processes and
:mod:`~briefings.build.writer` writes, all or nothing per briefing.
:mod:`~briefings.build.cache` keeps parsed topic files between builds.
:mod:`~briefings.build.publish` is the build that records new editions.
"""
