"""Which installed font fontconfig gives for a family name, so that a font the house asks for but lacks is said.

Contract: :func:`used_instead` asks fontconfig (the library WeasyPrint lays
text out with) whether a family a house style asks for is installed, and if
not, which family the PDF is set in instead (the first installed one of the
built-in stylesheet's fallbacks for that role), else None. It needs only libfontconfig, through ctypes: no
WeasyPrint import, no subprocess. When fontconfig cannot be loaded or answers
nothing, it returns None (nothing is claimed). Answers are cached per process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

#: FcResultMatch: FcPatternGetString found the value.
_MATCH = 0
#: FcMatchPattern: the substitution kind for a pattern about to be matched.
_MATCH_PATTERN = 0


@functools.cache
def _fontconfig() -> tuple[Any, Any] | None:
    """libfontconfig and its current configuration (fonts loaded), or None without fontconfig."""
    name = ctypes.util.find_library("fontconfig")
    if name is None:
        return None
    try:
        library = ctypes.CDLL(name)
    except OSError:
        return None
    library.FcInitLoadConfigAndFonts.restype = ctypes.c_void_p
    library.FcPatternCreate.restype = ctypes.c_void_p
    library.FcPatternAddString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    library.FcConfigSubstitute.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    library.FcDefaultSubstitute.argtypes = [ctypes.c_void_p]
    library.FcFontMatch.restype = ctypes.c_void_p
    library.FcFontMatch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    library.FcPatternGetString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                           ctypes.POINTER(ctypes.c_char_p)]
    library.FcPatternDestroy.argtypes = [ctypes.c_void_p]
    config = library.FcInitLoadConfigAndFonts()
    return (library, config) if config else None


@functools.cache
def matched_family(family: str) -> str | None:
    """The family fontconfig would use for ``family`` (None: fontconfig unavailable or no answer)."""
    loaded = _fontconfig()
    if loaded is None:
        return None
    library, config = loaded
    pattern = library.FcPatternCreate()
    if not pattern:
        return None
    try:
        library.FcPatternAddString(pattern, b"family", family.encode("utf-8"))
        library.FcConfigSubstitute(config, pattern, _MATCH_PATTERN)
        library.FcDefaultSubstitute(pattern)
        result = ctypes.c_int(0)
        match = library.FcFontMatch(config, pattern, ctypes.byref(result))
        if not match:
            return None
        try:
            value = ctypes.c_char_p()
            if library.FcPatternGetString(match, b"family", 0, ctypes.byref(value)) != _MATCH or not value.value:
                return None
            return value.value.decode("utf-8", "replace")
        finally:
            library.FcPatternDestroy(match)
    finally:
        library.FcPatternDestroy(pattern)


def installed(family: str) -> bool | None:
    """Whether fontconfig has ``family`` itself, not a substitute (None: nobody can tell)."""
    used = matched_family(family)
    return None if used is None else used.casefold() == family.casefold()


def used_instead(family: str, role: str) -> str | None:
    """The family a PDF is set in when ``family``, asked for ``role`` ("body" or "headings"), is not installed.

    None when it is installed, or when fontconfig cannot say. The built-in
    stylesheet puts the requested family before :data:`FALLBACKS` of its role,
    so the first of those that is installed is what WeasyPrint uses; when
    none is, whatever fontconfig gives for the generic family.
    """
    if installed(family) is not False:
        return None
    *named, generic = FALLBACKS[role]
    for fallback in named:
        if installed(fallback):
            return fallback
    return matched_family(generic)


#: The families briefing.html.j2 puts after a requested one, per role, in order, ending in a generic family.
FALLBACKS = {
    "body": ("Caladea", "Cambria", "DejaVu Serif", "serif"),
    "headings": ("Lato", "Carlito", "DejaVu Sans", "sans-serif"),
}


__all__ = ["FALLBACKS", "installed", "matched_family", "used_instead"]
