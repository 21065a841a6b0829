"""What changed between two snapshots of a briefing, worked out from the facts by id.

Contract: :func:`compare` takes the snapshot of the edition a reader last saw
(or None when there is none) and the snapshot of the briefing now, and
returns the "what changed" record stored in the new snapshot under
``changes`` (JSON-native, described in the snapshot schema): topics added
and removed; facts added, changed (naming which of text, headline, date,
section, sources and quote changed, with both versions) and removed (with their last
text); figures added, removed and changed in value, unit or sources (old and
new). Facts are matched by topic id and fact id, figures by topic id and
label, never by the text of the output, so renaming a topic file or moving
the project changes nothing here. Both inputs are read, never changed.

:func:`summary_lines` gives the same as plain lines for the terminal.
Everything here is bounded by the size of the two snapshots, which the
loaders bound.
"""

from __future__ import annotations

import json
from typing import Any

from briefings.render.edition_state import PRESENTATION_PARTS, empty_changes
from briefings.render.filters import figure_text
from briefings.render.snapshot import Snapshot

#: A headline is content a reader sees (the timeline shows it): changing it changes the fact.
FACT_FIELDS = ("text", "headline", "date", "section", "sources", "quote")
FIGURE_FIELDS = ("value", "unit", "sources")


def compare(previous: Snapshot | None, current: Snapshot, *, since: dict[str, Any] | None) -> dict[str, Any]:
    """The changes from ``previous`` (the edition ``since`` = {"number", "date"}) to ``current``."""
    changes = empty_changes(since, first=previous is None)
    if previous is None:
        return changes
    old_topics = {topic["id"]: topic for topic in _topics(previous)}
    new_topics = {topic["id"]: topic for topic in _topics(current)}
    changes["topics_added"] = [{"id": key, "title": _text(topic.get("title")) or key}
                               for key, topic in new_topics.items() if key not in old_topics]
    changes["topics_removed"] = [{"id": key, "title": _text(topic.get("title")) or key}
                                 for key, topic in old_topics.items() if key not in new_topics]
    old_facts = {(topic["id"], fact["id"]): fact for topic in old_topics.values() for fact in _list(topic, "facts")}
    new_facts = {(topic["id"], fact["id"]): fact for topic in new_topics.values() for fact in _list(topic, "facts")}
    for (topic_id, fact_id), fact in new_facts.items():
        before = old_facts.get((topic_id, fact_id))
        if before is None:
            if topic_id in old_topics:  # a whole new topic is one change, not one per fact
                changes["facts_added"].append({"topic": topic_id, **_fact(fact)})
            continue
        fields = [name for name in FACT_FIELDS if before.get(name) != fact.get(name)]
        if fields:
            changes["facts_changed"].append({"topic": topic_id, "id": fact_id, "fields": fields,
                                             "before": _fact(before), "after": _fact(fact)})
    changes["facts_removed"] = [{"topic": topic_id, **_fact(fact)}
                                for (topic_id, fact_id), fact in old_facts.items()
                                if (topic_id, fact_id) not in new_facts and topic_id in new_topics]
    _match_renamed(changes)
    old_figures = {(topic["id"], figure["label"]): figure
                   for topic in old_topics.values() for figure in _list(topic, "figures")}
    new_figures = {(topic["id"], figure["label"]): figure
                   for topic in new_topics.values() for figure in _list(topic, "figures")}
    for (topic_id, label), figure in new_figures.items():
        before = old_figures.get((topic_id, label))
        if before is None:
            if topic_id in old_topics:
                changes["figures_added"].append({"topic": topic_id, **_figure(figure)})
        elif any(before.get(name) != figure.get(name) for name in FIGURE_FIELDS):
            changes["figures_changed"].append({"topic": topic_id, "label": label,
                                               "before": _figure(before), "after": _figure(figure)})
    changes["figures_removed"] = [{"topic": topic_id, **_figure(figure)}
                                  for (topic_id, label), figure in old_figures.items()
                                  if (topic_id, label) not in new_figures and topic_id in new_topics]
    changes["other"] = _other_changes(previous, current)
    return changes


def _match_renamed(changes: dict[str, Any]) -> None:
    """Pair each added fact with a removed fact of the same topic whose content is identical: one renamed fact."""
    removed: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for fact in changes["facts_removed"]:
        removed.setdefault((fact["topic"], _content_key(fact)), []).append(fact)
    added = []
    for fact in changes["facts_added"]:
        candidates = removed.get((fact["topic"], _content_key(fact)))
        if not candidates:
            added.append(fact)
            continue
        before = candidates.pop(0)
        changes["facts_renamed"].append({"topic": fact["topic"], "id": fact["id"], "previous_id": before["id"],
                                         "text": fact["text"]})
    renamed = {(item["topic"], item["previous_id"]) for item in changes["facts_renamed"]}
    changes["facts_added"] = added
    changes["facts_removed"] = [fact for fact in changes["facts_removed"]
                                if (fact["topic"], fact["id"]) not in renamed]


def _content_key(fact: dict[str, Any]) -> str:
    return json.dumps([fact.get(name) for name in FACT_FIELDS], sort_keys=True, ensure_ascii=False, default=str)


#: The parts of a briefing's content besides its facts and figures, as "what changed" names them (``other``).
#: A change of ``template`` or ``schedule`` alone (:data:`~briefings.render.edition_state.PRESENTATION_PARTS`)
#: is "presentation changed; content unchanged" (or "schedule changed; …").
OTHER_PARTS = ("briefing title", "template", "schedule", "project title, author or classification", "topic titles",
               "topic summaries", "as-of dates", "review dates", "tags", "source checks", "references")


def _other_changes(previous: Snapshot, current: Snapshot) -> list[str]:
    """Which parts of the content other than facts and figures differ (names from :data:`OTHER_PARTS`)."""
    def part(snapshot: Snapshot, key: str) -> Any:
        value = snapshot.get(key)
        return value if isinstance(value, dict) else {}

    def topics(snapshot: Snapshot, *keys: str) -> dict[str, list[Any]]:
        return {topic["id"]: [topic.get(key) for key in keys] for topic in _topics(snapshot)}

    def checks(snapshot: Snapshot) -> dict[str, Any]:
        # What the audit says of the facts and figures (everything of theirs "what changed" does not compare),
        # keyed with their content too: a fact or figure listed as changed is not counted again here.
        found = {}
        for topic in _topics(snapshot):
            for fact in _list(topic, "facts"):
                found[(topic["id"], fact["id"], _content_key(fact))] = {
                    key: value for key, value in fact.items() if key not in FACT_FIELDS}
            for figure in _list(topic, "figures"):
                content = json.dumps([figure.get(name) for name in FIGURE_FIELDS], sort_keys=True, default=str)
                found[(topic["id"], "", figure["label"], content)] = {
                    key: value for key, value in figure.items() if key not in FIGURE_FIELDS}
        return found

    shared = set(topics(previous)) & set(topics(current))

    def same_topics(*keys: str) -> bool:
        old, new = topics(previous, *keys), topics(current, *keys)
        return all(old[key] == new[key] for key in shared)

    checks_old, checks_new = checks(previous), checks(current)
    differs = {
        "briefing title": part(previous, "briefing").get("title") != part(current, "briefing").get("title"),
        "template": part(previous, "briefing").get("template") != part(current, "briefing").get("template"),
        "schedule": part(previous, "briefing").get("schedule") != part(current, "briefing").get("schedule"),
        "project title, author or classification": part(previous, "settings") != part(current, "settings"),
        "topic titles": not same_topics("title"),
        "topic summaries": not same_topics("summary"),
        "as-of dates": (previous.get("as_of"), previous.get("latest_as_of")) != (
            current.get("as_of"), current.get("latest_as_of")) or not same_topics("as_of"),
        "review dates": not same_topics("review_by", "overdue"),
        "tags": not same_topics("tags"),
        "source checks": any(checks_old[key] != checks_new[key] for key in set(checks_old) & set(checks_new)),
        "references": previous.get("references") != current.get("references"),
    }
    return [name for name in OTHER_PARTS if differs[name]]


def presentation_only(changes: dict[str, Any]) -> bool:
    """Whether a record with no fact, figure or topic changes names only presentation (the template) as changed."""
    other = changes.get("other")
    return isinstance(other, list) and bool(other) and set(other) <= PRESENTATION_PARTS


def summary_lines(changes: dict[str, Any]) -> list[str]:
    """The changes as plain lines for the terminal."""
    if changes.get("first"):
        return ["first edition"]
    lines = []
    for topic in changes["topics_added"]:
        lines.append(f"+ topic {topic['id']}: {topic['title']}")
    for topic in changes["topics_removed"]:
        lines.append(f"- topic {topic['id']}: {topic['title']}")
    for fact in changes["facts_added"]:
        lines.append(f"+ fact {fact['topic']}/{fact['id']}: {_short(fact['text'])}")
    for fact in changes["facts_changed"]:
        lines.append(f"~ fact {fact['topic']}/{fact['id']} ({', '.join(fact['fields'])}): "
                     f"{_short(fact['after']['text'])}")
    for fact in changes.get("facts_renamed", []):
        lines.append(f"= fact {fact['topic']}/{fact['previous_id']} renamed {fact['id']} (content unchanged): "
                     f"{_short(fact['text'])}")
    for fact in changes["facts_removed"]:
        lines.append(f"- fact {fact['topic']}/{fact['id']}: {_short(fact['text'])}")
    for figure in changes["figures_added"]:
        lines.append(f"+ figure {figure['topic']}/{figure['label']}: {_value(figure)}")
    for figure in changes["figures_changed"]:
        lines.append(f"~ figure {figure['topic']}/{figure['label']}: {_value(figure['before'])} → "
                     f"{_value(figure['after'])}")
    for figure in changes["figures_removed"]:
        lines.append(f"- figure {figure['topic']}/{figure['label']}: {_value(figure)}")
    if lines:
        return lines
    if presentation_only(changes):
        return [f"{'presentation' if 'template' in changes['other'] else 'schedule'} changed; content unchanged"]
    other = changes.get("other")
    if isinstance(other, list) and other:
        return [f"no changes to facts or figures; other content changed: {', '.join(map(str, other))}"]
    return ["no changes to facts or figures (other content changed)"]


# The previous snapshot is an edition's, read from disk: only items keyed by a string are matched, and what
# is copied from them into the record is of the documented types (anything else becomes None or is left out).


def _topics(snapshot: Snapshot) -> list[dict[str, Any]]:
    topics = snapshot.get("topics")
    return [topic for topic in topics if isinstance(topic, dict) and isinstance(topic.get("id"), str)] \
        if isinstance(topics, list) else []


def _list(topic: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = topic.get(key)
    name = "id" if key == "facts" else "label"
    return [item for item in items if isinstance(item, dict) and isinstance(item.get(name), str)] \
        if isinstance(items, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _sources(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _fact(fact: dict[str, Any]) -> dict[str, Any]:
    quote = fact.get("quote")
    quoted = {"text": quote["text"], "speaker": quote["speaker"]} if isinstance(quote, dict) and isinstance(
        quote.get("text"), str) and isinstance(quote.get("speaker"), str) else None
    return {"id": _text(fact.get("id")), "text": _text(fact.get("text")), "headline": _text(fact.get("headline")),
            "date": _text(fact.get("date")), "section": _text(fact.get("section")),
            "sources": _sources(fact.get("sources")), "quote": quoted}


def _figure(figure: dict[str, Any]) -> dict[str, Any]:
    value = figure.get("value")
    shown = value if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    return {"label": _text(figure.get("label")), "value": shown, "unit": _text(figure.get("unit")),
            "sources": _sources(figure.get("sources"))}


def _short(text: object, limit: int = 80) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _value(figure: dict[str, Any]) -> str:
    unit = figure.get("unit")
    return figure_text(figure.get("value"), unit if isinstance(unit, str) else None)
