"""Control ids in their two spellings: NIST's ``AC-2(3)`` on screen, OSCAL's ``ac-2.3`` inside.

A leaf module (it imports nothing of fedcheck), so that every stage can name controls without
importing the catalog.
"""

from __future__ import annotations

import re

_DISPLAY = re.compile(r"^([A-Za-z]{2,6})-([0-9]+)(?:\(([0-9]+)\))?$")
_OSCAL = re.compile(r"^([a-z]{2,6})-([0-9]+)(?:\.([0-9]+))?$")


def to_oscal(control_id: str) -> str:
    """``AC-2(3)`` or ``ac-2.3`` -> ``ac-2.3``; raises ValueError for anything else."""
    text = control_id.strip()
    m = _OSCAL.match(text) or _DISPLAY.match(text)
    if not m:
        raise ValueError(f"{control_id!r} is not a control id (write AC-2(3) or ac-2.3)")
    family, number, enhancement = m.groups()
    oscal = f"{family.lower()}-{int(number)}"
    return f"{oscal}.{int(enhancement)}" if enhancement else oscal


def to_display(control_id: str) -> str:
    """``ac-2.3`` or ``AC-2(3)`` -> ``AC-2(3)``."""
    oscal = to_oscal(control_id)
    base, _, enhancement = oscal.partition(".")
    family, number = base.split("-")
    return f"{family.upper()}-{number}" + (f"({enhancement})" if enhancement else "")


def sort_key(control_id: str) -> tuple[str, int, int]:
    base, _, enhancement = to_oscal(control_id).partition(".")
    family, number = base.split("-")
    return family, int(number), int(enhancement or 0)


__all__ = ["sort_key", "to_display", "to_oscal"]
