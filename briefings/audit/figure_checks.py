"""The checks of key figures: each figure's value against its sources, and figures of one key against each other.

Contract: :func:`check_figure` checks one figure through a
:class:`~briefings.audit.checker.Checker` (which collects the problems) and
returns its :class:`~briefings.audit.results.FigureAudit`;
:func:`find_discrepancies` compares the figures sharing a ``key`` across the
project. What each check does is listed in :mod:`briefings.audit.auditor`.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from briefings.audit.checker import Checker, listed
from briefings.audit.normalise import normalise
from briefings.audit.numbers import StatedNumber, figure_numbers, number_appears, same_kind_stated
from briefings.audit.results import Discrepancy, DiscrepantFigure, FigureAudit, Outcome

if TYPE_CHECKING:
    from briefings.project.schema import Figure


#: A discrepancy's message names at most this many of the other figures' values.
_OTHERS_SHOWN = 5


def value_text(figure: Figure) -> str:
    """The figure's value and unit as shown in a message (``2.3 £bn``)."""
    return f"{figure.value}{' ' + figure.unit if figure.unit else ''}"


def check_figure(checker: Checker, topic_id: str, index: int, figure: Figure) -> FigureAudit:
    """Check figure ``index`` of topic ``topic_id``; see the module docstring."""
    if figure.evidence:
        return _figure_with_evidence(checker, topic_id, index, figure)
    if checker.uses_archives:
        checker.warn(topic_id, ("figures", index, "value"),
                     f"figure '{figure.label}' ({value_text(figure)}) has no evidence passage: give under evidence: "
                     "the passage of each source that states its value", "figure-evidence-missing",
                     ("figures", topic_id, index))
    scopes = {source: checker.scope(source) for source in dict.fromkeys(figure.sources)}
    searched = [source for source, text in scopes.items() if text is not None]
    if not searched:
        return FigureAudit(topic_id, index, figure.label, figure.key, "unverifiable")
    texts = [scopes[source] or "" for source in searched]  # each reference's span of its archive
    numbers = figure_numbers(figure.value, figure.unit)
    missing = [number for number in numbers if not number_appears(number, texts)]
    if missing:
        hints = _same_kind(missing, texts)
        hint = f"; the archives state {listed(hints)}" if hints else ""
        checker.warn(topic_id, ("figures", index, "value"),
                   f"figure '{figure.label}' ({value_text(figure)}): {listed([n.written for n in missing])} "
                   f"is not stated in the archived text of {listed(searched, quoted=True)}{hint}",
                   "number-not-in-evidence", ("figures", topic_id, index))
    return FigureAudit(topic_id, index, figure.label, figure.key, "not-found" if missing else "verified",
                       tuple(searched), tuple(number.written for number in missing))

def _figure_with_evidence(checker: Checker, topic_id: str, index: int, figure: Figure) -> FigureAudit:
    """A figure that names, per source, the passage giving its value: the passages are checked like quotes,
    and the value must be what they state. A passage that states another number of the same kind (another
    amount in the same currency, another percentage) and not the figure's value contradicts it: an error."""
    about = ("figures", topic_id, index)
    checks = []
    for source in dict.fromkeys(figure.sources):
        if source not in figure.evidence or source not in checker.references:
            continue
        checks.append(checker.evidence(topic_id, ("figures", index, "evidence", source),
                                     f"figure '{figure.label}'", source, figure.evidence[source], about))
    passages = [check.passage for check in checks]
    numbers = figure_numbers(figure.value, figure.unit)
    missing = [number for number in numbers if not number_appears(number, passages)]
    if missing:
        stated = _same_kind(missing, passages)
        shown = f"figure '{figure.label}' ({value_text(figure)})"
        if stated:
            checker.error(topic_id, ("figures", index, "value"),
                        f"{shown} is contradicted by its own evidence, which states {listed(stated)} and not "
                        f"{listed([number.written for number in missing])}: correct the value or the passage",
                        "figure-contradicted")
        else:
            checker.warn(topic_id, ("figures", index, "value"),
                       f"{shown}: {listed([number.written for number in missing])} is not stated in its "
                       "evidence passages", "number-not-in-evidence", about)
    outcome: Outcome = "not-found" if missing or any(check.outcome == "not-found" for check in checks) \
        else "verified" if any(check.outcome == "verified" for check in checks) else "unverifiable"
    return FigureAudit(topic_id, index, figure.label, figure.key, outcome,
                       tuple(check.source for check in checks), tuple(number.written for number in missing),
                       tuple(checks))

def find_discrepancies(checker: Checker) -> list[Discrepancy]:
    """Figures sharing a ``key`` whose values differ, each warned about (``figure-discrepancy``)."""
    by_key: dict[str, list[tuple[str, int, Figure]]] = {}
    for topic_id, topic in checker.project.topics.items():
        for index, figure in enumerate(topic.figures):
            if figure.key:
                by_key.setdefault(figure.key, []).append((topic_id, index, figure))
    found = []
    for key, members in sorted(by_key.items()):
        values = {_comparable(figure) for _, _, figure in members}
        if len(values) < 2:
            continue
        shown = []
        for topic_id, index, figure in members:
            path, line = checker.where(topic_id, ("figures", index, "value"))
            shown.append((DiscrepantFigure(topic_id, index, figure.label, value_text(figure),
                                           tuple(figure.sources), path, line), _comparable(figure)))
        found.append(Discrepancy(key, tuple(item for item, _ in shown)))
        # Each message names a few of the other values, not all: a key shared by many figures would otherwise make
        # messages (and the audit) grow with the square of their number.
        counts = Counter(value for _, value in shown)
        sample: list[tuple[DiscrepantFigure, object]] = []
        for item, value in shown:
            if sum(1 for _, taken in sample if taken == value) < _OTHERS_SHOWN:
                sample.append((item, value))
            if len(sample) >= _OTHERS_SHOWN * (_OTHERS_SHOWN + 1):
                break
        for mine, value in shown:
            named = [other for other, compared in sample if compared != value][:_OTHERS_SHOWN]
            more = len(shown) - counts[value] - len(named)
            others = "; ".join(f"{other.value} in topic '{other.topic}' (figure '{other.label}', sources: "
                               f"{', '.join(other.sources)})" for other in named) \
                + (f"; and {more} other figure(s)" if more > 0 else "")
            checker.warn(mine.topic, ("figures", mine.index, "value"),
                       f"figure '{mine.label}' ({mine.value}, sources: {', '.join(mine.sources)}) disagrees with "
                       f"figures of the same key '{key}': {others}", "figure-discrepancy",
                       ("figures", mine.topic, mine.index))
    return found


def _comparable(figure: Figure) -> object:
    numbers = figure_numbers(figure.value, figure.unit)
    if numbers:
        return tuple(sorted((str(n.value.normalize()), n.currency or "", n.percent) for n in numbers))
    return normalise(value_text(figure)).text.casefold()


def _same_kind(missing: list[StatedNumber], texts: list[str]) -> list[str]:
    """Numbers the texts state of the same kind as a missing one (an amount in its currency, a percentage,
    a count of the same noun: :meth:`~briefings.audit.numbers.StatedNumber.same_kind`)."""
    return same_kind_stated(missing, texts)


__all__ = ["check_figure", "find_discrepancies", "value_text"]
