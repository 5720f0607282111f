"""An activity as an iCalendar file (RFC 5545), written by hand: one VEVENT per dated
session, in Asia/Tokyo time."""

from datetime import UTC
from zoneinfo import ZoneInfo

from django.utils import timezone

from .models import Activity

TZID = "Asia/Tokyo"
# Japan has no daylight saving time: one STANDARD rule describes the zone.
VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0900",
    "TZOFFSETTO:+0900",
    "TZNAME:JST",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def escape_text(value: str) -> str:
    """TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 3.1), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _local(value) -> str:
    return timezone.localtime(value, ZoneInfo(TZID)).strftime("%Y%m%dT%H%M%S")


def activity_ical(*, activity: Activity, url: str, host: str) -> str:
    """The calendar text (CRLF line ends); `url` is the activity's page, `host` names UIDs."""
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    location = ", ".join(
        part for part in (activity.place_label, activity.place_name, activity.address) if part
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//enishi//{escape_text(activity.community.name)}//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *VTIMEZONE,
    ]
    for session in activity.sessions.all():
        if session.anytime or session.starts_at is None:
            continue
        lines += [
            "BEGIN:VEVENT",
            f"UID:activity-{activity.pk}-session-{session.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID={TZID}:{_local(session.starts_at)}",
        ]
        if session.ends_at:
            lines.append(f"DTEND;TZID={TZID}:{_local(session.ends_at)}")
        lines += [
            f"SUMMARY:{escape_text(activity.title)}",
            f"LOCATION:{escape_text(location)}",
            f"DESCRIPTION:{escape_text(activity.body)}",
            f"URL:{url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
