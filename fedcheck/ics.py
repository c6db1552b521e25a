"""The calendar of obligations as iCalendar (RFC 5545): one all-day event per obligation.

Written by hand, line by line: CRLF line ends, content lines folded at 75 octets (never inside a
UTF-8 sequence), TEXT values escaped. Each event's UID names the system, control, obligation
and target, not the date, so a calendar client that imports the file again updates the event
instead of adding a second one. DTSTAMP is ``SOURCE_DATE_EPOCH`` when set, else the evaluation
date at midnight UTC: the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime
import os

from ._version import __version__
from .due import DueCalendar, DueItem
from .errors import UsageError

_SUMMARY = {"overdue": "OVERDUE", "no_record": "No record", "due": "Due", "current": "Due"}


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 section 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold one content line into lines of at most 75 octets, each continuation starting with a
    space (section 3.1); a multi-octet character is never split."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _stamp(as_of: datetime.date) -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        try:
            moment = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
        except (ValueError, OverflowError, OSError):
            raise UsageError(
                f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp",
                "set it to a whole number of seconds, e.g. 1700000000",
            ) from None
    else:
        moment = datetime.datetime(as_of.year, as_of.month, as_of.day, tzinfo=datetime.UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def uid(cal: DueCalendar, item: DueItem) -> str:
    """Stable across runs and due dates: what the obligation is, not when."""
    return f"{cal.system_id}.{item.oscal_id}.{item.obligation}.{item.target}@fedcheck"


def _event(cal: DueCalendar, item: DueItem, stamp: str) -> list[str]:
    due = datetime.date.fromisoformat(item.due)
    last = (
        f"Last: {item.last}" + (f" (record {item.record})" if item.record else "")
        if item.last
        else "No record yet."
    )
    description = (
        f"{item.control_id} {item.title}: {item.what}.\n{last}\n"
        f"Renewal: {item.period} ({item.source}).\nStatus on {cal.as_of.isoformat()}: "
        f"{item.status.replace('_', ' ')}."
    )
    if item.location is not None:
        description += f"\nWhere: {item.location}"
    return [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid(cal, item))}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{due.strftime('%Y%m%d')}",
        f"DTEND;VALUE=DATE:{(due + datetime.timedelta(days=1)).strftime('%Y%m%d')}",
        "SUMMARY:"
        + escape_text(
            f"{_SUMMARY[item.status]}: {item.control_id} {item.obligation} ({item.target})"
        ),
        f"DESCRIPTION:{escape_text(description)}",
        f"CATEGORIES:FedRAMP,{item.control_id.split('-')[0]}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def render_ics(cal: DueCalendar) -> str:
    """The calendar as an iCalendar file (text with CRLF line ends)."""
    stamp = _stamp(cal.as_of)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//fedcheck//fedcheck {__version__}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(f'fedcheck: {cal.system_name or cal.system_id}')}",
    ]
    for item in cal.items:
        lines.extend(_event(cal, item, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
