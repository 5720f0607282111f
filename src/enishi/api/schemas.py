"""What the API reads and writes. Field names are English; values (titles, names) are data."""

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime, field_validator

from enishi.core.spreadsheets import CONTROL

# Path ids past any real row (and past what the databases' integers hold) are simply absent.
MAX_ID = 2**53
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _no_control(value: str) -> str:
    # PostgreSQL refuses NUL in text; no other control character belongs in these fields.
    if CONTROL.search(value) or "\x00" in value:
        raise ValueError("control characters are not allowed")
    return value


Text = Annotated[str, AfterValidator(_no_control)]
Use = Literal[
    "knowledge", "visit", "donation", "local_activity", "migration_trial", "promotion"
]


class SessionOut(Schema):
    id: int
    starts_at: datetime | None
    ends_at: datetime | None
    anytime: bool
    capacity: int | None


class ActivityOut(Schema):
    id: int
    title: str
    body: str
    use: str
    organizer: str
    place_kind: str
    place_name: str
    address: str
    fee: int
    selection: str
    status: str
    opens_at: datetime
    closes_at: datetime
    sessions: list[SessionOut]

    @staticmethod
    def resolve_organizer(obj) -> str:
        return obj.organizer.name

    @staticmethod
    def resolve_sessions(obj):
        return list(obj.sessions.all())


class PremiumOut(Schema):
    registration_type: Literal["basic", "premium"]
    fiscal_year: int
    designated_activities: int
    required_activities: int
    identity_level: Literal["none", "email", "in_person", "external"]
    other_municipalities: int
    valid_until: date | None
    renewal_date: date | None
    missing: list[str]


class MemberOut(Schema):
    id: int
    number: str | None
    status: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    nickname: str
    email: str
    prefecture_code: str
    municipality_code: str
    city: str
    joined_at: datetime | None

    @staticmethod
    def resolve_email(obj) -> str:
        return obj.user.email if obj.user else ""


class ProfileOut(MemberOut):
    points: int
    rank: str | None
    stage: str
    premium: PremiumOut


class EngagementOut(Schema):
    id: int
    kind: str
    points: int
    occurred_at: datetime
    note: str
    source_type: str
    source_id: int | None
    corrects_id: int | None


class ApplicationOut(Schema):
    id: int
    activity_id: int
    session_id: int
    member_id: int
    member_number: str | None
    status: str
    created_at: datetime
    decided_at: datetime | None

    @staticmethod
    def resolve_activity_id(obj) -> int:
        return obj.session.activity_id

    @staticmethod
    def resolve_member_number(obj) -> str | None:
        return obj.member.number


class TransitionIn(Schema):
    action: Literal["accept", "waitlist", "reject", "cancel", "attended", "no_show"]
    message: Text = Field("", max_length=2000)


class EngagementIn(Schema):
    member_number: Text = Field(..., min_length=1, max_length=20)
    kind: Use
    source: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,20}$")]
    source_id: int = Field(..., ge=0, le=MAX_ID)
    occurred_at: AwareDatetime | None = None
    points: int | None = Field(None, ge=0, le=10000)
    note: Text = Field("", max_length=200)

    @field_validator("occurred_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is not None and not (EARLIEST <= value <= LATEST):
            raise ValueError("occurred_at must be between 2000 and 2100")
        return value


class EngagementCreated(Schema):
    created: bool
    engagement: EngagementOut | None


class DonationIn(Schema):
    """A donation as a portal knows it. Values are read like an imported file's cells (全角
    digits, 令和 dates, ¥ and commas, kana in any width), so what a portal sends needs no
    cleaning first; `receipt_number` with `portal` identifies it."""

    portal: Text = Field(..., min_length=1, max_length=50)
    receipt_number: Text = Field(..., min_length=1, max_length=100)
    donated_on: date
    amount: int = Field(..., ge=1, le=2_000_000_000)
    name: Text = Field(..., min_length=1, max_length=100)
    name_kana: Text = Field("", max_length=100)
    postal_code: Text = Field("", max_length=10)
    address: Text = Field("", max_length=300)
    phone: Text = Field("", max_length=20)
    email: Text = Field("", max_length=254)
    gift: Text = Field("", max_length=200)
    wants_information: bool | None = None  # "information from the municipality" by mail


class DonationOut(Schema):
    id: int
    portal: str
    receipt_number: str
    donated_on: date
    amount: int
    match: str  # member, contact or review (staff decide who the donor is)
    member_number: str | None

    @staticmethod
    def resolve_member_number(obj) -> str | None:
        return obj.member.number if obj.member_id else None


class DonationCreated(Schema):
    created: bool
    donation: DonationOut
