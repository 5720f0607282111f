"""Writes for mailings: segments, composing, queueing, delivering, unsubscribing.

Delivery is at-most-once per (mailing, member): the `Delivery` row is created once (unique),
claimed before the mail server is spoken to (queued → sending under a conditional UPDATE
carrying the worker's token, so two workers can never both own it) and marked after. A failure
that leaves the message unsent puts the row back to queued with a later `next_attempt_at`.
"""

import logging
import secrets
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import mailers
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from enishi.communities.models import Community
from enishi.ledger.selectors import standings
from enishi.members.models import Member
from enishi.members.services import member_set_newsletter

from .messages import renderer_for
from .models import (
    Delivery,
    Mailing,
    MailTopic,
    Segment,
    SuppressedAddress,
    TopicOptOut,
)
from .selectors import mailing_recipients, reachable_members

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# Minutes to wait before attempt n+1 after n failed: 1, 5, 15, 60, 180.
BACKOFF_MINUTES = [1, 5, 15, 60, 180]
# A delivery claimed longer ago than this belongs to a worker that died.
CLAIM_LEASE = timedelta(minutes=10)
QUEUE_CHUNK = 5000


# ---- segments and mailings -------------------------------------------------------------


def segment_save(
    *, community: Community, name: str, match: str, conditions: dict, by, segment=None,
    audience: str = Segment.Audience.MEMBERS,
) -> Segment:
    segment = segment or Segment(community=community, created_by=by, audience=audience)
    segment.name = name
    segment.match = match
    segment.conditions = conditions
    segment.save()
    return segment


def mailing_save(*, community: Community, data: dict, by, mailing: Mailing | None = None):
    if mailing is not None and mailing.status != Mailing.Status.DRAFT:
        raise ValueError("Only a draft can be edited.")
    mailing = mailing or Mailing(community=community, created_by=by)
    for name in ("subject", "body", "topic", "segment", "activity"):
        setattr(mailing, name, data[name])
    mailing.save()
    return mailing


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _enqueue_delivery(mailing_id: int, run_after: datetime | None = None) -> None:
    from .tasks import deliver_mailing

    task = deliver_mailing
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # e.g. the immediate backend in tests: `enishi run_mailings` picks it up
        task = task.using(run_after=run_after)
    task.enqueue(mailing_id=mailing_id)


@transaction.atomic
def mailing_schedule(*, mailing: Mailing, when: datetime) -> Mailing:
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status not in (Mailing.Status.DRAFT, Mailing.Status.SCHEDULED):
        raise ValueError("Already sent.")
    mailing.status = Mailing.Status.SCHEDULED
    mailing.scheduled_at = when
    mailing.save(update_fields=["status", "scheduled_at", "updated_at"])
    return mailing


@transaction.atomic
def mailing_unschedule(*, mailing: Mailing) -> Mailing:
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status == Mailing.Status.SCHEDULED:
        mailing.status = Mailing.Status.DRAFT
        mailing.scheduled_at = None
        mailing.save(update_fields=["status", "scheduled_at", "updated_at"])
    return mailing


@transaction.atomic
def mailing_queue(*, mailing: Mailing, members=None) -> int:
    """Create one delivery per recipient (the segment as it is now, among members mail may
    reach) and start sending after commit. Returns the number queued; a mailing already
    queued is left alone (0)."""
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status not in (Mailing.Status.DRAFT, Mailing.Status.SCHEDULED):
        return 0
    recipients = members if members is not None else mailing_recipients(mailing=mailing)
    for_contacts = mailing.for_contacts
    now = timezone.now()
    count = 0
    batch = []
    email_field = "email" if for_contacts else "user__email"
    recipient_field = "contact_id" if for_contacts else "member_id"
    rows = recipients.order_by("pk").values_list("pk", email_field)
    for recipient_id, email in rows.iterator(chunk_size=QUEUE_CHUNK):
        batch.append(Delivery(mailing=mailing, email=email, next_attempt_at=now,
                              **{recipient_field: recipient_id}))  # fmt: skip
        if len(batch) >= QUEUE_CHUNK:
            count += _create_deliveries(mailing, batch)
            batch = []
    if batch:
        count += _create_deliveries(mailing, batch)
    mailing.status = Mailing.Status.SENDING if count else Mailing.Status.SENT
    mailing.queued_at = now
    if not count:
        mailing.finished_at = now
    mailing.save(update_fields=["status", "queued_at", "finished_at", "updated_at"])
    if count:
        transaction.on_commit(lambda: _enqueue_delivery(mailing.pk))
    return count


def _create_deliveries(mailing: Mailing, batch: list[Delivery]) -> int:
    Delivery.objects.bulk_create(batch, ignore_conflicts=True)
    if mailing.for_contacts:
        from enishi.donations.services import invitations_record

        invitations_record(mailing=mailing, contact_ids=[d.contact_id for d in batch])
    return len(batch)


# ---- delivering ------------------------------------------------------------------------


@dataclass
class DeliveryRun:
    sent: int = 0
    skipped: int = 0
    invalid: int = 0
    bounced: int = 0
    failed: int = 0
    retry_at: datetime | None = None
    errors: list[str] = field(default_factory=list)


def address_suppress(*, email: str, reason: str, detail: str = "") -> None:
    """Never send marketing mail to this address again (invalid, or it bounced)."""
    SuppressedAddress.objects.get_or_create(
        email=email.strip().lower(), defaults={"reason": reason, "detail": detail[:300]}
    )


def address_mark_bounced(*, email: str, detail: str = "") -> int:
    """A bounce report came back for `email` (e.g. a DSN read by the operator): suppress it
    and mark its queued deliveries so. Returns the deliveries marked."""
    address_suppress(email=email, reason=SuppressedAddress.Reason.BOUNCED, detail=detail)
    return Delivery.objects.filter(
        email__iexact=email.strip(), status=Delivery.Status.QUEUED
    ).update(status=Delivery.Status.BOUNCED, error=detail[:300])


def _mark(delivery: Delivery, token: str, status: str, **fields) -> None:
    """Record the outcome of one claimed delivery, right after it happened. On PostgreSQL the
    commit does not wait for the disk (synchronous_commit off, for this transaction only): it
    is visible at once and survives the worker dying; only a crash of the database server
    itself could lose the last fraction of a second of marks, and those rows would then be
    sent again after the claim lease. Waiting for the disk costs ~7 ms a mail."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        Delivery.objects.filter(
            pk=delivery.pk, claim_token=token, status=Delivery.Status.SENDING
        ).update(status=status, claim_token="", **fields)


def _release(deliveries: list[Delivery], token: str, *, when: datetime, error: str) -> None:
    """Put claimed, unsent deliveries back in the queue until `when` (or give up on those that
    have used their attempts)."""
    for delivery in deliveries:
        if delivery.attempts >= MAX_ATTEMPTS:
            _mark(delivery, token, Delivery.Status.FAILED, attempts=delivery.attempts,
                  error=error[:300])  # fmt: skip
            continue
        Delivery.objects.filter(pk=delivery.pk, claim_token=token).update(
            status=Delivery.Status.QUEUED,
            claim_token="",
            attempts=delivery.attempts,
            next_attempt_at=when,
            error=error[:300],
        )


def _is_permanent(error: smtplib.SMTPRecipientsRefused) -> bool:
    return all(code >= 500 for code, _msg in error.recipients.values())


def requeue_stale_claims(*, now: datetime | None = None) -> int:
    """Deliveries a worker claimed and never finished (it was killed, or the machine went
    down) go back to the queue once their lease has run out."""
    now = now or timezone.now()
    return Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE
    ).update(status=Delivery.Status.QUEUED, claim_token="", next_attempt_at=now)


def _recommendations(community: Community, member_ids: list[int]) -> dict[int, list]:
    from .journeys import open_activities, recommended_activities

    activities = open_activities(community=community)
    members = Member.objects.filter(pk__in=member_ids).prefetch_related(
        "uses", "topics", "skills", "ties"
    )
    return {m.pk: recommended_activities(member=m, activities=activities) for m in members}


def mailing_deliver(*, mailing_id: int, batch_size: int = 100, limit: int | None = None):
    """Send what is due for one mailing, batch by batch, over one mail-server connection.
    Stops at the first failure that is not the recipient's fault (server down, timeout):
    the unsent rows go back to the queue with a back-off and `retry_at` says when."""
    mailing = Mailing.objects.select_related(
        "community", "topic", "activity", "journey", "segment"
    ).get(pk=mailing_id)
    renderer = renderer_for(mailing)
    token = secrets.token_hex(16)
    run = DeliveryRun()
    connection = None
    handled = 0
    try:
        while limit is None or handled < limit:
            now = timezone.now()
            ids = list(
                Delivery.objects.filter(
                    mailing=mailing, status=Delivery.Status.QUEUED, next_attempt_at__lte=now
                )
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            Delivery.objects.filter(pk__in=ids, status=Delivery.Status.QUEUED).update(
                status=Delivery.Status.SENDING, claim_token=token, claimed_at=now
            )
            batch = list(
                Delivery.objects.filter(pk__in=ids, claim_token=token).order_by("pk")
            )
            if not batch:
                continue
            recipient_ids = [d.recipient_id for d in batch]
            # Asked again at send time: someone may have unsubscribed since it was queued.
            reachable, model = _reachable(mailing)
            still_reachable = set(
                reachable.filter(pk__in=recipient_ids).values_list("pk", flat=True)
            )
            recipients = model.objects.in_bulk(recipient_ids)
            member_ids = [] if mailing.for_contacts else recipient_ids
            standing = {}
            if renderer.needs_standing:
                standing = {
                    m.pk: s
                    for m, s in standings(
                        community=mailing.community,
                        members=Member.objects.filter(pk__in=member_ids),
                    )
                }
            recommended = {}
            if "recommended_activities" in renderer.used and member_ids:
                recommended = _recommendations(mailing.community, member_ids)
            for position, delivery in enumerate(batch):
                handled += 1
                if delivery.recipient_id not in still_reachable:
                    _mark(delivery, token, Delivery.Status.SKIPPED)
                    run.skipped += 1
                    continue
                try:
                    validate_email(delivery.email)
                except ValidationError:
                    _mark(delivery, token, Delivery.Status.INVALID, error="invalid address")
                    address_suppress(email=delivery.email,
                                     reason=SuppressedAddress.Reason.INVALID)  # fmt: skip
                    run.invalid += 1
                    continue
                recipient = recipients[delivery.recipient_id]
                try:
                    message = renderer.message(
                        recipient,
                        delivery.email,
                        standing=standing.get(recipient.pk),
                        recommended=recommended.get(recipient.pk, ()),
                        message_id=f"<mailing{mailing.pk}.delivery{delivery.pk}@enishi>",
                    )
                except Exception as error:  # noqa: BLE001 - one bad mail must not stop the rest
                    logger.exception("mailing %s: rendering failed", mailing.pk)
                    _mark(delivery, token, Delivery.Status.FAILED,
                          error=f"render: {type(error).__name__}: {error}"[:300])  # fmt: skip
                    run.failed += 1
                    continue
                delivery.attempts += 1
                try:
                    if connection is None:
                        connection = mailers["default"]
                        connection.open()
                    connection.send_messages([message])
                except smtplib.SMTPRecipientsRefused as error:
                    if _is_permanent(error):
                        _mark(delivery, token, Delivery.Status.BOUNCED,
                              attempts=delivery.attempts, error=str(error)[:300])  # fmt: skip
                        address_suppress(email=delivery.email,
                                         reason=SuppressedAddress.Reason.BOUNCED,
                                         detail=str(error))  # fmt: skip
                        run.bounced += 1
                        continue
                    # 4xx for this recipient only (greylisting, full mailbox): it waits,
                    # the others go on.
                    when = timezone.now() + backoff(delivery.attempts)
                    _release([delivery], token, when=when, error=str(error))
                    run.retry_at = when if run.retry_at is None else min(run.retry_at, when)
                    continue
                except (smtplib.SMTPException, OSError) as error:
                    # The server is down, refused the connection or timed out: nothing of
                    # this message was accepted. Everything claimed and unsent goes back.
                    logger.warning("mailing %s: mail server failed: %s", mailing.pk, error)
                    # The whole mailing waits for the back-off, not only this batch.
                    when = timezone.now() + backoff(delivery.attempts)
                    text = f"{type(error).__name__}: {error}"
                    _release(batch[position:], token, when=when, error=text)
                    Delivery.objects.filter(
                        mailing=mailing, status=Delivery.Status.QUEUED, next_attempt_at__lt=when
                    ).update(next_attempt_at=when)
                    run.retry_at = when
                    run.errors.append(text)
                    _close(connection)
                    connection = None
                    return run
                _mark(delivery, token, Delivery.Status.SENT,
                      attempts=delivery.attempts, sent_at=timezone.now(), error="")  # fmt: skip
                run.sent += 1
    finally:
        _close(connection)
        mailing_finish_if_done(mailing=mailing)
    return run


def _reachable(mailing: Mailing):
    """Who the mailing may still reach, and their model."""
    if mailing.for_contacts:
        from enishi.donations.models import Contact
        from enishi.donations.selectors import reachable_contacts

        return reachable_contacts(community=mailing.community), Contact
    return reachable_members(community=mailing.community, topic=mailing.topic), Member


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - a dead connection may fail to close; that is fine
            logger.debug("closing the mail connection failed", exc_info=True)


def mailing_finish_if_done(*, mailing: Mailing) -> bool:
    waiting = Delivery.objects.filter(
        mailing=mailing, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
    ).exists()
    if waiting:
        return False
    Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).update(
        status=Mailing.Status.SENT, finished_at=timezone.now()
    )
    return True


def mailings_tick(*, now: datetime | None = None) -> dict:
    """What `enishi run_mailings` does every minute: queue scheduled mailings whose time has
    come, give stale claims back to the queue and start delivery of whatever is due."""
    now = now or timezone.now()
    queued = 0
    for mailing in Mailing.objects.filter(
        status=Mailing.Status.SCHEDULED, scheduled_at__lte=now
    ):
        queued += mailing_queue(mailing=mailing)
    stale = requeue_stale_claims(now=now)
    # Mailings a worker is sending right now (fresh claims) are left to it.
    busy = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__gte=now - CLAIM_LEASE
    ).values("mailing_id")
    due = list(
        Delivery.objects.filter(status=Delivery.Status.QUEUED, next_attempt_at__lte=now)
        .exclude(mailing_id__in=busy)
        .order_by()
        .values_list("mailing_id", flat=True)
        .distinct()
    )
    for mailing_id in due:
        _enqueue_delivery(mailing_id)
    return {"queued": queued, "stale": stale, "started": len(due)}


# ---- choices of members ----------------------------------------------------------------


@transaction.atomic
def topic_leave(*, member: Member, topic: MailTopic, source: str) -> None:
    try:
        with transaction.atomic():
            TopicOptOut.objects.get_or_create(member=member, topic=topic,
                                              defaults={"source": source})  # fmt: skip
    except IntegrityError:  # the same click twice at once: already left
        pass


def marketing_stop(*, member: Member, source: str) -> None:
    """The global "no marketing mail": the newsletter consent withdrawn (transactional notices
    such as application results still go)."""
    member_set_newsletter(member=member, granted=False, source=source)


@transaction.atomic
def mail_preferences_save(*, member: Member, newsletter: bool, topics) -> None:
    """The member's answers on /me/mail/: the newsletter consent and the lists they stay on."""
    from enishi.privacy.selectors import newsletter_opted_in

    if newsletter != newsletter_opted_in(member=member):
        member_set_newsletter(member=member, granted=newsletter, source="me")
    wanted = {t.pk for t in topics}
    all_topics = MailTopic.objects.filter(community=member.community)
    TopicOptOut.objects.filter(member=member, topic__in=wanted).delete()
    for topic in all_topics:
        if topic.pk not in wanted:
            TopicOptOut.objects.get_or_create(member=member, topic=topic,
                                              defaults={"source": "me"})  # fmt: skip



def deliveries_erase_for_withdrawal(*, member: Member) -> None:
    """Withdrawal: mail not yet sent is not sent (skipped), and the addresses kept on the
    member's deliveries (and on the suppression list, for those addresses) are erased. What
    was sent and when stays, without the address, for the mailing's figures."""
    deliveries = Delivery.objects.filter(member=member)
    emails = {e.lower() for e in deliveries.values_list("email", flat=True) if e}
    SuppressedAddress.objects.filter(email__in=emails).delete()
    deliveries.filter(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]).update(
        status=Delivery.Status.SKIPPED
    )
    deliveries.update(email="", claim_token="")
