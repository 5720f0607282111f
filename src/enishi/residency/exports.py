"""The registrations export, schema version 1 (docs/registrations-schema.md): one record per
active member, as JSON Lines or as CSV (UTF-8 with BOM, Excel-friendly). Each record carries
the member's answer about sharing it (privacy.Consent, purpose registry_share)."""

import json
from collections.abc import Iterator
from itertools import chain

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from enishi.core.spreadsheets import excel_csv
from enishi.members.models import Member
from enishi.privacy.models import Consent

from . import selectors
from .models import IdentityLevel, RuleSet

SCHEMA_VERSION = "1"
CHUNK = 2000
FIELDS = [
    "schema_version",
    "member_number",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "email",
    "birth_year",
    "birth_month",
    "postal_code",
    "prefecture_code",
    "municipality_code",
    "city",
    "address_line",
    "joined_on",
    "registration_type",
    "fiscal_year",
    "designated_activities",
    "identity_level",
    "other_municipalities",
    "premium_valid_until",
    "share_consent",
    "share_consent_version",
    "share_consent_at",
]
IDENTITY_CODES = {0: "none", 1: "email", 2: "in_person", 3: "external"}


def registration_members(*, members: QuerySet[Member], consented_only: bool) -> QuerySet[Member]:
    """Active members with their latest answer about sharing (only "yes" when consented_only)."""
    latest = Consent.objects.filter(
        member=OuterRef("pk"), purpose=Consent.Purpose.REGISTRY_SHARE
    ).order_by("-recorded_at", "-pk")
    members = members.filter(status=Member.Status.ACTIVE).annotate(
        share_granted=Subquery(latest.values("granted")[:1]),
        share_version=Subquery(latest.values("version")[:1]),
        share_at=Subquery(latest.values("recorded_at")[:1]),
    )
    if consented_only:
        members = members.filter(share_granted=True)
    return members


def records(*, members: QuerySet[Member], rules: RuleSet) -> Iterator[dict]:
    fy = selectors.current_fiscal_year()
    done, checked, declared = selectors.facts_by_member(community=rules.community, fy=fy)
    verified = selectors.verified_users(community=rules.community)
    for m in members.select_related("user").order_by("number").iterator(chunk_size=CHUNK):
        # Exported members are active; imported ones who have not claimed their account yet
        # have no verified address.
        m.designated_done = done.get(m.pk, 0)
        email = IdentityLevel.EMAIL if m.user_id in verified else IdentityLevel.NONE
        m.identity_level = max(email, checked.get(m.pk, IdentityLevel.NONE))
        m.other_municipalities = declared.get(m.pk, 0)
        status = selectors.status_of(m, rules=rules, fy=fy)
        yield {
            "schema_version": SCHEMA_VERSION,
            "member_number": m.number,
            "family_name": m.family_name,
            "given_name": m.given_name,
            "family_name_kana": m.family_name_kana,
            "given_name_kana": m.given_name_kana,
            "email": m.user.email if m.user else "",
            "birth_year": m.birth_year,
            "birth_month": m.birth_month,
            "postal_code": m.postal_code,
            "prefecture_code": m.prefecture_code,
            "municipality_code": m.municipality_code,
            "city": m.city,
            "address_line": m.address_line,
            "joined_on": timezone.localdate(m.joined_at).isoformat() if m.joined_at else None,
            "registration_type": "premium" if status.qualifies else "basic",
            "fiscal_year": fy,
            "designated_activities": m.designated_done,
            "identity_level": IDENTITY_CODES[m.identity_level],
            "other_municipalities": m.other_municipalities,
            "premium_valid_until": status.valid_until.isoformat() if status.valid_until else None,
            "share_consent": m.share_granted,
            "share_consent_version": m.share_version,
            "share_consent_at": m.share_at.isoformat() if m.share_at else None,
        }


def jsonl(*, members, rules) -> tuple[str, Iterator[str]]:
    rows = records(members=members, rules=rules)
    lines = (json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return "application/jsonl; charset=utf-8", lines


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv(*, members, rules) -> tuple[str, Iterator[str]]:
    rows = ([_csv_value(r[f]) for f in FIELDS] for r in records(members=members, rules=rules))
    return "text/csv; charset=utf-8", excel_csv(chain([FIELDS], rows))


FORMATS = {"jsonl": jsonl, "csv": csv}
