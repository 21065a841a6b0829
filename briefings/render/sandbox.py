"""The sandbox templates run in: only the declared data, nothing that outlives a rendering.

Contract: templates are untrusted (house templates are shared between
organisations). :class:`BriefingSandbox` is Jinja's immutable sandbox
narrowed to the interface declared in :mod:`briefings.render.views`: a
template may read only the attributes :data:`~briefings.render.views.TEMPLATE_ATTRIBUTES`
lists for a value's type (plus those of Jinja's own loop, cycler, namespace
and block helpers), call no method beyond those, and build no string or
list longer than :data:`MAX_SEQUENCE_LENGTH` with ``*`` or ``+`` (nor a
huge number with ``**``). A refused or misspelt attribute is an error that
names the type as templates call it (:func:`type_name`) and suggests the
right name. Nothing a rendering does outlives it: the data is immutable, and
what a template makes for itself (a ``namespace``, a ``cycler``, an
imported template's module) is made afresh for each rendering
(:class:`BriefingTemplate`), so one briefing's template can never change
what another, or its own second rendering, sees.

The sandbox also records what a rendering read, for the incremental build:
every template name looked up (:class:`DependencyTracker`) and whether the
whole ``references`` mapping was used (:class:`TrackedReferences`). The time,
memory and output bounds are applied around a rendering by
:func:`briefings.render.environment.render_template`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from typing import Any

import jinja2
import jinja2.compiler
from jinja2.environment import TemplateModule
from jinja2.runtime import BlockReference, Context, LoopContext
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Namespace

from briefings.errors import did_you_mean
from briefings.render.views import TEMPLATE_ATTRIBUTES, TEMPLATE_TYPE_NAMES

#: The time limit of one rendering unless ``limits.template_seconds`` says otherwise (README, "Templates").
TEMPLATE_SECONDS = 10.0
#: Longest string or list a template may build with ``*`` or ``+``.
MAX_SEQUENCE_LENGTH = 5_000_000


def _allowed_attributes(obj: object) -> frozenset[str] | None:
    """The attributes templates may use on ``obj``; None means any public one (Jinja's own helpers)."""
    for cls in type(obj).__mro__:
        if cls in TEMPLATE_ATTRIBUTES:
            return TEMPLATE_ATTRIBUTES[cls]
    if isinstance(obj, (Namespace, TemplateModule)):
        # {% set ns.x = … %}, {% import "macros.j2" as m %}: their attributes are the templates' own values
        # (a module is made afresh for every import: see BriefingTemplate).
        return None
    if isinstance(obj, LoopContext):
        return frozenset({"index", "index0", "revindex", "revindex0", "first", "last", "length", "depth",
                          "depth0", "previtem", "nextitem", "cycle", "changed"})
    if isinstance(obj, Cycler):
        return frozenset({"next", "current", "reset"})
    if isinstance(obj, BlockReference):
        return frozenset({"super"})
    return frozenset()


@dataclasses.dataclass
class DependencyTracker:
    """What one rendering read: each template name looked up (with the file it found, or None),
    and whether it read the project's whole ``references`` mapping."""

    templates: dict[str, str | None] = dataclasses.field(default_factory=dict)
    uses_all_references: bool = False


#: A reference whose view no template has read yet.
_UNMADE = object()


class TrackedReferences(dict[str, Any]):
    """The ``references`` mapping given to templates, noting whether a template read it at all.

    A template that lists every reference depends on all of them; one that
    never touches the mapping depends only on the references its briefing cites.
    Each reference's view is made by ``make`` when a template first reads it:
    most templates never do, and making a view of every reference of the
    project for every briefing would cost briefings × references.
    """

    used = False

    def __init__(self, keys: Iterable[str], make: Callable[[str], Any]) -> None:
        super().__init__(dict.fromkeys(keys, _UNMADE))
        self._make = make

    def _value(self, key: str) -> Any:
        value = super().__getitem__(key)
        if value is _UNMADE:
            value = self._make(key)
            super().__setitem__(key, value)
        return value

    def __getitem__(self, key: str) -> Any:
        self.used = True
        return self._value(key)

    def __iter__(self) -> Any:
        self.used = True
        return super().__iter__()

    def __contains__(self, key: object) -> bool:
        self.used = True
        return super().__contains__(key)

    def __len__(self) -> int:
        self.used = True
        return super().__len__()

    def get(self, key: str, default: Any = None) -> Any:
        self.used = True
        return self._value(key) if super().__contains__(key) else default

    def items(self) -> Any:
        self.used = True
        return [(key, self._value(key)) for key in super().keys()]

    def keys(self) -> Any:
        self.used = True
        return super().keys()

    def values(self) -> Any:
        self.used = True
        return [self._value(key) for key in super().keys()]


class BriefingTemplate(jinja2.Template):
    """A template whose every import (``{% import %}``, ``{% from … import %}``) evaluates it afresh.

    Jinja keeps the module of a template imported without context on the
    template object, and the environment keeps its templates for every
    briefing it renders (the whole build, in one process or one worker). A
    ``namespace``, ``cycler`` or ``joiner`` made at the top of an imported
    template, or changed by one of its macros, would then carry one rendering's
    changes into the next: what one briefing's template did would show in
    another briefing, and in the second rendering of the same one (citation
    numbering), and outputs would depend on which briefings a worker happened
    to render before. A fresh module per import gives every rendering its own
    values, as ``{% import … with context %}`` always does.
    """

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        if ctx is None:  # Template.module, read by Python code, never by a rendering
            return super()._get_default_module(ctx)
        # As Jinja does when the importing template has globals of its own, but never cached.
        keys = ctx.globals_keys - self.globals.keys()
        return self.make_module({key: ctx.parent[key] for key in keys})


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, with ``{% set x.attr = … %}`` errors located at their line."""

    def visit_Assign(self, node: jinja2.nodes.Assign, frame: jinja2.compiler.Frame) -> None:
        # Jinja writes its check that ``x`` is a namespace before it marks the statement's line,
        # so "cannot assign attribute on non-namespace object" was reported at an earlier line.
        self.newline(node)
        super().visit_Assign(node, frame)


_SAFE_ATTRIBUTES: dict[tuple[type, str], bool] = {}


class BriefingSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, narrowed to the declared template interface.

    Beyond Jinja's own rules (no underscored attributes, no mutation), an
    attribute is readable only if :data:`briefings.render.views.TEMPLATE_ATTRIBUTES`
    lists it for the object's type, ``*``, ``**`` and ``+`` refuse results
    too large to be a mistake worth waiting for, and imported templates are
    evaluated afresh for every import (:class:`BriefingTemplate`), so nothing
    a rendering does outlives it.
    """

    intercepted_binops = frozenset({"*", "**", "+"})
    template_class = BriefingTemplate
    code_generator_class = _CodeGenerator
    #: The time limit of one rendering (``limits.template_seconds`` in briefings.yaml).
    template_seconds: float = TEMPLATE_SECONDS
    #: When set, every template lookup is recorded in it (for the incremental build).
    tracker: DependencyTracker | None = None

    def _load_template(self, name: str, globals: Any) -> jinja2.Template:  # noqa: A002 - Jinja's signature
        # Every lookup (select_template, extends, include, import) passes here,
        # cached or not. A name looked up but absent matters too: adding that
        # file later changes what renders.
        try:
            template = super()._load_template(name, globals)
        except jinja2.TemplateNotFound:
            if self.tracker is not None:
                self.tracker.templates.setdefault(name, None)
            raise
        if self.tracker is not None:
            self.tracker.templates[name] = template.filename
        return template

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Every rule here depends only on the object's type and the attribute's
        # name, and templates ask the same questions thousands of times.
        key = (type(obj), attr)
        safe = _SAFE_ATTRIBUTES.get(key)
        if safe is None:
            allowed = _allowed_attributes(obj)
            safe = super().is_safe_attribute(obj, attr, value) and (allowed is None or attr in allowed)
            _SAFE_ATTRIBUTES[key] = safe
        return safe

    def wrap_str_format(self, value: Any) -> None:
        # Jinja hands out a sandboxed str.format; templates here get no methods
        # beyond the declared ones, and the |format filter does the same job.
        return None

    def getattr(self, obj: Any, attribute: str) -> Any:
        value = super().getattr(obj, attribute)
        if isinstance(value, jinja2.Undefined) and type(obj) in TEMPLATE_ATTRIBUTES and not hasattr(obj, attribute):
            allowed = sorted(TEMPLATE_ATTRIBUTES[type(obj)])
            hint = did_you_mean(attribute, allowed) or f" (it has: {', '.join(allowed)})"
            return self.undefined(f"{type_name(obj)} has no attribute '{attribute}'{hint}", obj=obj, name=attribute)
        return value

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        allowed = sorted(_allowed_attributes(obj) or ())
        hint = did_you_mean(attribute, allowed)
        available = f" (available: {', '.join(allowed)})" if allowed and not hint else ""
        return self.undefined(
            f"'{attribute}' of {type_name(obj)} is not available to "
            f"templates{hint}{available}",
            obj=obj, name=attribute, exc=SecurityError)

    def call_binop(self, context: jinja2.runtime.Context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > 4096:
                raise SecurityError(f"{left} ** {right} is too large a number")
        elif operator_name == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) \
                        and len(sequence) * count > MAX_SEQUENCE_LENGTH:
                    raise SecurityError(f"repeating {len(sequence):,} items {count:,} times is too long")
        elif operator_name == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                and len(left) + len(right) > MAX_SEQUENCE_LENGTH:
            raise SecurityError("joining these would be too long")
        return super().call_binop(context, operator_name, left, right)


def type_name(obj: object) -> str:
    """What a template's author calls ``obj``'s type ("topic", "fact", "text"), for messages."""
    for cls in type(obj).__mro__:
        if cls in TEMPLATE_TYPE_NAMES:
            return TEMPLATE_TYPE_NAMES[cls]
    return "value"
