"""Every write of the donations app: matching imported donations, the review queue, merging a
contact into a member, invitations and a contact's "no more mail"."""

from datetime import datetime, time

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from enishi.activities.services import application_record_past_walk_in
from enishi.communities.models import Community
from enishi.core.bulk import update_rows
from enishi.core.imports import parse_row
from enishi.core.text import address_key, kana_key, name_key
from enishi.ledger.models import Kind
from enishi.ledger.services import engagement_record, engagements_record
from enishi.members.models import Member

from .importer import DONATION_FIELDS, DonationImporter
from .matching import Keys, Pool, keys_of
from .messages import INVITATION_SALT, OPT_OUT_SALT
from .models import Answer, Contact, ContactAttendance, Donation, Invitation, MatchReview

INVITATION_MAX_AGE = 180 * 24 * 3600


def _donation_keys(donation: Donation) -> Keys:
    return keys_of(email=donation.email, name=donation.name, kana=donation.name_kana,
                   postal=donation.postal_code, address=donation.address)  # fmt: skip


def _occurred_at(donation: Donation) -> datetime:
    return timezone.make_aware(datetime.combine(donation.donated_on, time(12)))


def _record_in_ledger(donation: Donation, member: Member) -> None:
    """One `donation` entry per donation (points by the community's rule per donation, not
    per yen); the ledger's once-per-source rule makes a second call change nothing."""
    engagement_record(member=member, kind=Kind.DONATION, source_type="donation",
                      source_id=donation.pk, occurred_at=_occurred_at(donation))  # fmt: skip


def _contact_from(donation: Donation) -> Contact:
    contact = Contact(
        community_id=donation.community_id,
        name=donation.name, name_kana=donation.name_kana, postal_code=donation.postal_code,
        address=donation.address, email=donation.email, phone=donation.phone,
        source=Contact.Source.DONATION,
    )  # fmt: skip
    _consent_from(contact, donation)
    _set_keys(contact)
    return contact


def _set_keys(contact: Contact) -> None:
    contact.name_key = name_key(contact.name)[:100]
    contact.kana_key = kana_key(contact.name_kana)[:100]
    contact.address_key = address_key(contact.address)[:300]


def _consent_from(contact: Contact, donation: Donation) -> bool:
    """The donor's latest answer about information from the municipality counts."""
    if donation.info_consent == Answer.UNKNOWN or donation.info_consent == contact.info_consent:
        return False
    contact.info_consent = donation.info_consent
    contact.consent_recorded_at = timezone.now()
    return True


def _link_contact(donation: Donation, contact: Contact) -> bool:
    """Give the donation to the contact; the contact takes the donor's latest consent answer
    and the details it lacked. True when the contact changed (the caller saves it)."""
    donation.contact = contact
    donation.match = Donation.Match.CONTACT
    changed = _consent_from(contact, donation)
    for name in ("email", "phone", "name_kana", "postal_code", "address"):
        if not getattr(contact, name) and getattr(donation, name):
            setattr(contact, name, getattr(donation, name))
            changed = True
    if changed:
        _set_keys(contact)
    return changed


CONTACT_FIELDS = ("name_kana", "postal_code", "address", "email", "phone", "info_consent",
                  "consent_recorded_at", "name_key", "kana_key", "address_key")  # fmt: skip


def donations_match(*, community: Community, donations: list[Donation]) -> None:
    """Save new donations, each linked to a member or a contact or put in the review queue; a
    donor nobody resembles becomes a new contact. Runs inside the import batch's transaction:
    a few queries for the batch (the people it could be, then one insert per table), then
    the ledger entries of the members it linked."""
    keys = [_donation_keys(d) for d in donations]
    pool = Pool.load(community=community, keys=keys)
    members = {}
    member_ids = {p.id for p in pool.people if p.kind == "member"}
    if member_ids:
        members = Member.objects.in_bulk(list(member_ids))
    contacts = {}
    contact_ids = {p.id for p in pool.people if p.kind == "contact"}
    if contact_ids:
        contacts = Contact.objects.in_bulk(list(contact_ids))
    new_contacts: dict[int, Contact] = {}  # by a temporary (negative) id until saved
    changed: dict[int, Contact] = {}
    waiting = []
    for donation, key in zip(donations, keys, strict=True):
        decision = pool.decide(key)
        person = decision.person
        if person is not None and person.kind == "member":
            donation.member = members[person.id]
            donation.match = Donation.Match.MEMBER
        elif person is not None:
            contact = new_contacts[person.id] if person.id < 0 else contacts[person.id]
            if _link_contact(donation, contact) and person.id > 0:
                changed[person.id] = contact
        elif decision.candidates:
            donation.match = Donation.Match.REVIEW
            waiting.append((donation, decision.candidates))
        else:
            contact = _contact_from(donation)
            temporary = -1 - len(new_contacts)
            new_contacts[temporary] = contact
            pool.add_contact(temporary, key.email, contact.name_key, contact.kana_key,
                             contact.postal_code, contact.address_key)  # fmt: skip
            donation.contact = contact
            donation.match = Donation.Match.CONTACT
    Contact.objects.bulk_create(new_contacts.values())
    if changed:
        update_rows(Contact, list(changed.values()), CONTACT_FIELDS)
    for donation in donations:
        if donation.contact is not None:
            donation.contact_id = donation.contact.pk
    Donation.objects.bulk_create(donations)
    MatchReview.objects.bulk_create(
        MatchReview(community=community, donation=donation, candidates=[
            {"kind": p.kind, "id": new_contacts[p.id].pk if p.id < 0 else p.id,
             "reason": reason} for p, reason in candidates
        ])
        for donation, candidates in waiting
    )  # fmt: skip
    _record_many_in_ledger(community, [d for d in donations if d.member is not None])


def _record_many_in_ledger(community: Community, donations: list[Donation]) -> None:
    engagements_record(community=community, kind=Kind.DONATION, source_type="donation",
                       entries=[(d.member, d.pk, _occurred_at(d)) for d in donations])  # fmt: skip


@transaction.atomic
def review_decide(*, review: MatchReview, choice: str, by) -> MatchReview:
    """Staff decide a review: `choice` is "member:ID" or "contact:ID" (one of the
    candidates: the same person) or "new" (someone else: a new contact)."""
    review = MatchReview.objects.select_for_update().select_related("donation").get(pk=review.pk)
    if review.status != MatchReview.Status.OPEN:
        return review
    donation = review.donation
    allowed = {f"{c['kind']}:{c['id']}" for c in review.candidates}
    if choice == "new":
        contact = _contact_from(donation)
        contact.save()
        donation.contact = contact
        donation.match = Donation.Match.CONTACT
        review.status = MatchReview.Status.REJECTED
    elif choice in allowed:
        kind, pk = choice.split(":")
        if kind == "member":
            member = Member.objects.get(pk=int(pk), community=review.community_id)
            donation.member = member
            donation.match = Donation.Match.MEMBER
            donation.save(update_fields=["member", "match", "updated_at"])
            _record_in_ledger(donation, member)
        else:
            contact = Contact.objects.get(pk=int(pk), community=review.community_id)
            if contact.member_id is not None:  # merged meanwhile: the member it became
                donation.member = contact.member
                donation.match = Donation.Match.MEMBER
                donation.save(update_fields=["member", "match", "updated_at"])
                _record_in_ledger(donation, contact.member)
            elif _link_contact(donation, contact):
                contact.save()
        review.status = MatchReview.Status.CONFIRMED
    else:
        raise ValueError("Not one of the candidates.")
    donation.save(update_fields=["member", "contact", "match", "updated_at"])
    review.decided_by = by
    review.decided_at = timezone.now()
    review.save(update_fields=["status", "decided_by", "decided_at"])
    return review


# ---- merging a contact into a member ----------------------------------------------------

PERSONAL_FIELDS = ("name", "name_kana", "postal_code", "address", "email", "phone",
                   "name_key", "kana_key", "address_key")  # fmt: skip


@transaction.atomic
def contact_merge(*, contact: Contact, member: Member) -> Contact:
    """The contact is this member: its donations become the member's (with their ledger
    entries) and its personal fields are blanked (the member's own data is what counts now).
    Open reviews naming the contact name the member instead. Safe to call twice."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.member_id is not None:
        return contact
    donations = list(contact.donations.all())
    contact.donations.update(member=member, match=Donation.Match.MEMBER)
    for donation in donations:
        donation.member = member
    _record_many_in_ledger(contact.community, donations)
    for attendance in contact.attendances.select_related("session__activity"):
        application_record_past_walk_in(session=attendance.session, member=member,
                                        by=attendance.recorded_by,
                                        message=gettext("当日参加（会員になる前）"))  # fmt: skip
    for review in _reviews_naming(contact):
        review.candidates = [
            {"kind": "member", "id": member.pk, "reason": c["reason"]}
            if c["kind"] == "contact" and c["id"] == contact.pk
            else c
            for c in review.candidates
        ]
        review.save(update_fields=["candidates"])
    for name in PERSONAL_FIELDS:
        setattr(contact, name, "")
    contact.member = member
    contact.claimed_by = None
    contact.merged_at = timezone.now()
    contact.save()
    contact.deliveries.update(email="")  # the address the invitation went to
    return contact


def _reviews_naming(contact: Contact):
    reviews = MatchReview.objects.filter(
        community=contact.community_id, status=MatchReview.Status.OPEN
    )
    if connection.vendor == "postgresql":
        return reviews.filter(candidates__contains=[{"kind": "contact", "id": contact.pk}])
    # SQLite has no JSON containment here: read the open queue.
    return [
        r
        for r in reviews
        if any(c["kind"] == "contact" and c["id"] == contact.pk for c in r.candidates)
    ]


def donations_erase_donor(*, member: Member) -> None:
    """Withdrawal: the donor's name, address and contact details go from the member's
    donations (date, amount, portal and gift stay for the statistics)."""
    Donation.objects.filter(member=member).update(
        name="", name_kana="", postal_code="", address="", email="", phone="",
        updated_at=timezone.now(),
    )  # fmt: skip


def invitation_contact(*, community: Community, token: str) -> Contact | None:
    """The contact an invitation link was made for, if the link is genuine, not too old and
    the contact has not joined yet."""
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return Contact.objects.filter(pk=pk, community=community, member__isnull=True).first()


def invitation_initial(contact: Contact) -> dict:
    """What the registration form is filled in with: what the contact gave, split as the
    form asks (姓 and 名 at the first space)."""
    from enishi.core.postal import lookup_postal_code

    family, _sep, given = contact.name.partition(" ")
    family_kana, _sep, given_kana = contact.name_kana.partition(" ")
    initial = {
        "family_name": family, "given_name": given,
        "family_name_kana": family_kana, "given_name_kana": given_kana,
        "postal_code": contact.postal_code, "phone": contact.phone, "email": contact.email,
    }  # fmt: skip
    address = lookup_postal_code(contact.postal_code) if contact.postal_code else None
    if address is not None:
        initial["prefecture_code"] = address.prefecture_code
        initial["city"] = address.city
        rest = contact.address
        for prefix in (address.prefecture, address.city):
            rest = rest.removeprefix(prefix)
        initial["address_line"] = rest.strip()
    else:
        initial["address_line"] = contact.address
    return {k: v for k, v in initial.items() if v}


@transaction.atomic
def contact_claim(*, contact: Contact, member: Member) -> None:
    """Someone registered through the contact's invitation link. An active member is merged
    now; a pending one (address not yet verified) when they become active."""
    Contact.objects.filter(pk=contact.pk, member__isnull=True).update(claimed_by=member)
    if member.status == Member.Status.ACTIVE:
        contact_merge(contact=contact, member=member)


def contact_add(*, community: Community, data: dict) -> Contact:
    """A contact staff type in (met at an event or a fair), with the answer they gave about
    information from the municipality."""
    contact = Contact(community=community, **data)
    if contact.info_consent != Answer.UNKNOWN:
        contact.consent_recorded_at = timezone.now()
    _set_keys(contact)
    contact.save()
    return contact


@transaction.atomic
def contact_walk_in(*, session, data: dict, existing: Contact | None, by) -> Contact:
    """Someone not registered came to `session`: recorded on their contact (the one with the
    same email, or a new one met at this event), once per session."""
    community = session.activity.community
    if existing is not None:
        contact = Contact.objects.select_for_update().get(pk=existing.pk)
        changed = False
        for name in ("name_kana", "phone"):
            if data.get(name) and not getattr(contact, name):
                setattr(contact, name, data[name])
                changed = True
        if data["info_consent"] != Answer.UNKNOWN and data["info_consent"] != contact.info_consent:
            contact.info_consent = data["info_consent"]  # the answer given today counts
            contact.consent_recorded_at = timezone.now()
            changed = True
        if changed:
            _set_keys(contact)
            contact.save()
    else:
        contact = contact_add(community=community, data={**data, "source": Contact.Source.EVENT})
    ContactAttendance.objects.get_or_create(contact=contact, session=session,
                                            defaults={"recorded_by": by})  # fmt: skip
    return contact


def contacts_merge_claimed(*, member: Member) -> None:
    """Called when a member becomes active: merge the contacts they claimed by invitation."""
    for contact in Contact.objects.filter(claimed_by=member, member__isnull=True):
        contact_merge(contact=contact, member=member)


# ---- invitations ------------------------------------------------------------------------


def invitations_record(*, mailing, contact_ids: list[int]) -> None:
    """A mailing to a contacts segment was queued for these contacts: they are invited (once:
    a later mailing's segment leaves them out), by that mailing."""
    now = timezone.now()
    Invitation.objects.bulk_create(
        [Invitation(community_id=mailing.community_id, contact_id=pk, mailing=mailing,
                    created_by_id=mailing.created_by_id, created_at=now)
         for pk in contact_ids],
        ignore_conflicts=True,
    )  # fmt: skip
    Contact.objects.filter(pk__in=contact_ids, invited_at__isnull=True).update(invited_at=now)


@transaction.atomic
def invitation_draft(*, community: Community, by):
    """A draft mailing inviting contacts to join, to the segment of every contact who may be
    invited (made on first use; staff may choose a narrower contacts segment), with the
    standard text. Staff preview, test, edit and send or schedule it like any mailing."""
    from enishi.mailings.models import Mailing, Segment

    segment, _created = Segment.objects.get_or_create(
        community=community, audience=Segment.Audience.CONTACTS, conditions={"everyone": True},
        defaults={"name": gettext("招待できる連絡先すべて"), "created_by": by},
    )  # fmt: skip
    context = {"community": community}
    return Mailing.objects.create(
        community=community, segment=segment, topic=None, created_by=by,
        subject=render_to_string("donations/mail/invitation_subject.txt", context).strip(),
        body=render_to_string("donations/mail/invitation_body.txt", context).strip() + "\n",
    )  # fmt: skip


def opt_out_contact(*, token: str) -> Contact | None:
    try:
        pk = signing.loads(token, salt=OPT_OUT_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return Contact.objects.filter(pk=pk).first()


def contact_opt_out(*, contact: Contact) -> Contact:
    """The contact asked for no more information: recorded as their answer (no)."""
    Contact.objects.filter(pk=contact.pk).update(
        info_consent=Answer.NO, consent_recorded_at=timezone.now()
    )
    contact.info_consent = Answer.NO
    return contact


def donation_receive(*, community: Community, values: dict[str, str]) -> tuple[Donation, bool]:
    """One donation sent by another system through the API (a portal's or a payment service's
    connection), read by the import's rules: the same fields, normalisation and checks, and
    the same identity (portal + receipt number), so a retry is recorded once; matched like an
    imported row. Returns the donation and whether it is new; RowError for a value an import
    would refuse."""
    importer = DonationImporter()
    names = [f.name for f in importer.fields]
    row = parse_row(importer, 0, [values.get(name) or "" for name in names],
                    {name: i for i, name in enumerate(names)})  # fmt: skip
    try:
        with transaction.atomic():
            existing = Donation.objects.filter(community=community, identity=row.identity)
            if (donation := existing.first()) is not None:
                return donation, False
            donation = Donation(community=community, identity=row.identity,
                                content_hash=row.content_hash)  # fmt: skip
            for name in DONATION_FIELDS:
                setattr(donation, name, row.values[name])
            donation.info_consent = row.values["info_consent"] or Answer.UNKNOWN
            donations_match(community=community, donations=[donation])
    except IntegrityError:  # the same donation, sent twice at the same moment
        return Donation.objects.get(community=community, identity=row.identity), False
    return donation, True
