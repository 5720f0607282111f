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


def _calendar(*, name: str, events: list[str], title: str = "") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//enishi//{escape_text(name)}//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    if title:
        lines.append(f"X-WR-CALNAME:{escape_text(title)}")
    lines += [*VTIMEZONE, *events, "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def _event(*, uid: str, stamp: str, session, activity: Activity, url: str) -> list[str]:
    location = ", ".join(
        part for part in (activity.place_label, activity.place_name, activity.address) if part
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;TZID={TZID}:{_local(session.starts_at)}",
    ]
    if session.ends_at:
        lines.append(f"DTEND;TZID={TZID}:{_local(session.ends_at)}")
    return lines + [
        f"SUMMARY:{escape_text(activity.title)}",
        f"LOCATION:{escape_text(location)}",
        f"DESCRIPTION:{escape_text(activity.body)}",
        f"URL:{url}",
        "END:VEVENT",
    ]


def _stamp() -> str:
    return timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _dated(session) -> bool:
    return not session.anytime and session.starts_at is not None


def activity_ical(*, activity: Activity, url: str, host: str) -> str:
    """The calendar text (CRLF line ends); `url` is the activity's page, `host` names UIDs."""
    stamp = _stamp()
    events = []
    for session in activity.sessions.all():
        if _dated(session):
            uid = f"activity-{activity.pk}-session-{session.pk}@{host}"
            events += _event(uid=uid, stamp=stamp, session=session, activity=activity, url=url)
    return _calendar(name=activity.community.name, events=events)


def activities_ical(*, community, sessions, url_for, host: str, title: str) -> str:
    """Many sessions in one calendar (the public feed of upcoming activities); `url_for` gives
    an activity's page. Sessions need their activity selected."""
    stamp = _stamp()
    events = []
    for session in sessions:
        if _dated(session):
            activity = session.activity
            uid = f"activity-{activity.pk}-session-{session.pk}@{host}"
            events += _event(
                uid=uid, stamp=stamp, session=session, activity=activity, url=url_for(activity)
            )
    return _calendar(name=community.name, events=events, title=title)


def applications_ical(*, community, applications, url_for, host: str, title: str) -> str:
    """A member's accepted applications as a calendar (their private feed)."""
    stamp = _stamp()
    events = []
    for application in applications:
        session = application.session
        if _dated(session):
            events += _event(
                uid=f"application-{application.pk}@{host}",
                stamp=stamp,
                session=session,
                activity=session.activity,
                url=url_for(session.activity),
            )
    return _calendar(name=community.name, events=events, title=title)
