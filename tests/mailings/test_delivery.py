"""Delivery through a real SMTP server (aiosmtpd): each recipient exactly once, whatever
fails on the way."""

import email
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from enishi.mailings.models import Delivery, Mailing, SuppressedAddress
from enishi.mailings.selectors import mailing_recipients
from enishi.mailings.services import (
    CLAIM_LEASE,
    mailing_deliver,
    mailing_queue,
    requeue_stale_claims,
)

from .conftest import subscriber


@pytest.fixture(autouse=True)
def _tasks_wait(settings):
    """Queued tasks are stored, not run: each test runs the delivery itself."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def _mailing(community, topic, segment, **kwargs):
    return Mailing.objects.create(
        community=community, topic=topic, segment=segment,
        subject=kwargs.pop("subject", "{nickname}さんへ 伊賀だより"),
        body=kwargs.pop("body", "こんにちは、**{nickname}**さん（{member_number}）。"), **kwargs,
    )  # fmt: skip


def _statuses(mailing):
    return dict(Delivery.objects.filter(mailing=mailing).values_list("email", "status"))


def _members(n, prefix="m"):
    return [subscriber(user__email=f"{prefix}{i}@example.jp", nickname=f"忍{i}") for i in range(n)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_recipient_gets_one_mail_with_both_parts_and_unsubscribe_headers(
    community, topic, everyone, smtp
):
    members = _members(5)
    mailing = _mailing(community, topic, everyone)
    assert mailing_queue(mailing=mailing) == 5
    run = mailing_deliver(mailing_id=mailing.pk, batch_size=2)
    assert run.sent == 5
    assert sorted(smtp.sink.recipients()) == sorted(m.user.email for m in members)
    message = email.message_from_bytes(smtp.sink.messages[0].content)
    assert message.get_content_type() == "multipart/alternative"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in message.walk()
             if not p.is_multipart()}  # fmt: skip
    assert "忍0" in parts["text/plain"] and "<strong>忍0</strong>" in parts["text/html"]
    assert "/unsubscribe/" in parts["text/plain"] and "/unsubscribe/" in parts["text/html"]
    assert message["List-Unsubscribe"].startswith("<http")
    assert message["List-Unsubscribe"].rstrip(">").endswith("/one-click/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT
    assert set(_statuses(mailing).values()) == {Delivery.Status.SENT}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_server_stopped_mid_send_is_retried_with_back_off_without_loss_or_duplicates(
    community, topic, everyone, smtp
):
    members = _members(8)
    mailing = _mailing(community, topic, everyone)
    mailing_queue(mailing=mailing)
    # Three go out, then the mail server is stopped in the middle of the mailing.
    assert mailing_deliver(mailing_id=mailing.pk, batch_size=3, limit=3).sent == 3
    smtp.stop()
    run = mailing_deliver(mailing_id=mailing.pk, batch_size=3)
    assert run.sent == 0 and run.retry_at is not None
    assert run.retry_at > timezone.now()  # backed off, not hammering the server
    waiting = Delivery.objects.filter(mailing=mailing, status=Delivery.Status.QUEUED)
    assert waiting.count() == 5
    assert waiting.filter(attempts=1).count() == 1  # the one that met the dead server
    # Retrying before the back-off sends nothing, even with the server back.
    smtp.start()
    assert mailing_deliver(mailing_id=mailing.pk).sent == 0
    # When the time comes (the worker's deferred task, or cron), the rest go out once.
    later = timezone.now() + timedelta(minutes=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert mailing_deliver(mailing_id=mailing.pk).sent == 5
    received = smtp.sink.recipients()
    assert sorted(received) == sorted(m.user.email for m in members)  # all, each once
    assert Delivery.objects.filter(mailing=mailing, status=Delivery.Status.SENT).count() == 8
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_421_in_the_middle_puts_the_rest_back_and_each_is_sent_once(
    community, topic, everyone, smtp
):
    _members(6)
    mailing = _mailing(community, topic, everyone)
    mailing_queue(mailing=mailing)
    # The first message goes; the server answers 421 to the second.
    original = smtp.sink.handle_DATA
    calls = {"n": 0}

    async def flaky(server, session, envelope):
        calls["n"] += 1
        if calls["n"] == 2:
            return "421 4.3.2 Service shutting down"
        return await original(server, session, envelope)

    smtp.sink.handle_DATA = flaky
    run = mailing_deliver(mailing_id=mailing.pk)
    assert run.sent == 1 and run.retry_at is not None
    later = timezone.now() + timedelta(minutes=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert mailing_deliver(mailing_id=mailing.pk).sent == 5
    received = smtp.sink.recipients()
    assert len(received) == 6 and len(set(received)) == 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_send_leaves_claims_that_come_back_after_the_lease(
    community, topic, everyone, smtp
):
    members = _members(6)
    mailing = _mailing(community, topic, everyone)
    mailing_queue(mailing=mailing)
    from django.core.mail.backends.smtp import EmailBackend

    real_send = EmailBackend.send_messages
    sent = {"n": 0}

    def dies_on_the_third(self, messages):
        if sent["n"] == 2:
            raise SystemExit("worker killed")  # not an Exception: nothing in enishi catches it
        sent["n"] += 1
        return real_send(self, messages)

    with mock.patch.object(EmailBackend, "send_messages", dies_on_the_third):
        with pytest.raises(SystemExit):
            mailing_deliver(mailing_id=mailing.pk, batch_size=4)
    assert Delivery.objects.filter(mailing=mailing, status=Delivery.Status.SENT).count() == 2
    assert Delivery.objects.filter(mailing=mailing, status=Delivery.Status.SENDING).count() == 2
    # Another worker does not touch rows still claimed (their owner may be alive).
    assert mailing_deliver(mailing_id=mailing.pk).sent == 2
    assert Delivery.objects.filter(mailing=mailing, status=Delivery.Status.SENDING).count() == 2
    # Once the lease is over, `enishi run_mailings` gives them back and they go out once.
    later = timezone.now() + CLAIM_LEASE + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("run_mailings", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert mailing_deliver(mailing_id=mailing.pk).sent == 2
    received = smtp.sink.recipients()
    assert sorted(received) == sorted(m.user.email for m in members)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_invalid_and_bounced_addresses_are_marked_and_never_mailed_again(
    community, topic, everyone, smtp
):
    good = subscriber(user__email="good@example.jp")
    bouncing = subscriber(user__email="bounce-me@example.jp")
    invalid = subscriber(user__email="not an address@@example")
    mailing = _mailing(community, topic, everyone)
    mailing_queue(mailing=mailing)
    run = mailing_deliver(mailing_id=mailing.pk)
    assert (run.sent, run.bounced, run.invalid) == (1, 1, 1)
    statuses = _statuses(mailing)
    assert statuses[good.user.email] == Delivery.Status.SENT
    assert statuses[bouncing.user.email] == Delivery.Status.BOUNCED
    assert statuses[invalid.user.email] == Delivery.Status.INVALID
    assert set(SuppressedAddress.objects.values_list("email", "reason")) == {
        ("bounce-me@example.jp", "bounced"),
        ("not an address@@example", "invalid"),
    }
    assert smtp.sink.recipients() == ["good@example.jp"]
    # The next mailing does not even queue them.
    second = _mailing(community, topic, everyone)
    assert list(mailing_recipients(mailing=second)) == [good]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bounce_report_marks_the_address(community, topic, everyone):
    member = subscriber(user__email="later-bounce@example.jp")
    mailing = _mailing(community, topic, everyone)
    mailing_queue(mailing=mailing)
    call_command("mail_bounced", "Later-Bounce@example.jp", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _statuses(mailing)[member.user.email] == Delivery.Status.BOUNCED
    assert SuppressedAddress.objects.filter(email="later-bounce@example.jp").exists()


@pytest.mark.django_db
def test_queueing_twice_creates_no_second_delivery(community, topic, everyone):
    _members(3)
    mailing = _mailing(community, topic, everyone)
    assert mailing_queue(mailing=mailing) == 3
    assert mailing_queue(mailing=mailing) == 0
    mailing.status = Mailing.Status.DRAFT  # even if the status were wrong, the pair is unique
    mailing.save()
    mailing_queue(mailing=mailing)
    assert Delivery.objects.filter(mailing=mailing).count() == 3


@pytest.mark.django_db
def test_unsubscribed_after_queueing_is_skipped_at_send_time(community, topic, everyone):
    leaving, staying = _members(2)
    mailing = _mailing(community, topic, everyone)
    mailing_queue(mailing=mailing)
    from enishi.mailings.services import topic_leave

    topic_leave(member=leaving, topic=topic, source="test")
    run = mailing_deliver(mailing_id=mailing.pk)
    assert (run.sent, run.skipped) == (1, 1)
    assert [m.to for m in mail.outbox] == [[staying.user.email]]


@pytest.mark.django_db
def test_attempts_run_out_after_the_last_retry(community, topic, everyone, settings):
    _members(1)
    mailing = _mailing(community, topic, everyone)
    mailing_queue(mailing=mailing)
    refused = smtplib.SMTPServerDisconnected("gone")
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                    side_effect=refused):  # fmt: skip
        now = timezone.now()
        for hours in range(10):
            at = now + timedelta(hours=4 * hours)
            with mock.patch("django.utils.timezone.now", return_value=at):
                mailing_deliver(mailing_id=mailing.pk)
    delivery = Delivery.objects.get(mailing=mailing)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 6
    assert "gone" in delivery.error
    requeue_stale_claims()
    assert Delivery.objects.get(mailing=mailing).status == Delivery.Status.FAILED


@pytest.mark.django_db
def test_cron_leaves_a_mailing_a_worker_is_sending_to_that_worker(community, topic, everyone):
    from enishi.mailings.services import mailings_tick

    _members(2)
    mailing = _mailing(community, topic, everyone)
    mailing_queue(mailing=mailing)
    first = Delivery.objects.filter(mailing=mailing).order_by("pk").first()
    Delivery.objects.filter(pk=first.pk).update(
        status=Delivery.Status.SENDING, claim_token="alive", claimed_at=timezone.now()
    )
    assert mailings_tick()["started"] == 0
    later = timezone.now() + CLAIM_LEASE + timedelta(minutes=1)
    result = mailings_tick(now=later)
    assert (result["stale"], result["started"]) == (1, 1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the worker closes connections
def test_with_the_database_backend_a_failed_run_queues_itself_again_for_later(
    community, topic, everyone, settings, committed
):
    """The worker path end to end: queueing stores a task row; `db_worker --batch` runs it;
    the mail server refuses, so the task stores a new one whose run_after is the back-off, and
    the worker leaves that one alone until then."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}  # fmt: skip
    _members(2)
    mailing = _mailing(community, topic, everyone)
    # Only the delivery tasks: new members also queue their search-index task.
    tasks = DBTaskResult.objects.filter(task_path="enishi.mailings.tasks.deliver_mailing")
    with committed():
        mailing_queue(mailing=mailing)
    assert tasks.count() == 1
    refused = smtplib.SMTPServerDisconnected("down")
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                    side_effect=refused):  # fmt: skip
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    retry = tasks.order_by("-enqueued_at").first()
    assert tasks.count() == 2
    assert retry.status == "READY"
    assert retry.run_after > timezone.now() + timedelta(seconds=30)
    assert Delivery.objects.filter(mailing=mailing, status=Delivery.Status.QUEUED).count() == 2
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert mail.outbox == []  # not yet
    with mock.patch("django.utils.timezone.now", return_value=retry.run_after + timedelta(1)):
        call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == ["m0@example.jp", "m1@example.jp"]


@pytest.mark.django_db
def test_a_deleted_recommended_activity_leaves_the_field_empty(community, topic, everyone):
    from tests.activities.factories import ActivityFactory

    _members(1)
    activity = ActivityFactory(title="消える活動")
    mailing = _mailing(community, topic, everyone, activity=activity,
                       body="おすすめ：[{activity_title}]({activity_url})。")  # fmt: skip
    mailing_queue(mailing=mailing)
    activity.sessions.all().delete()
    activity.delete()
    assert mailing_deliver(mailing_id=mailing.pk).sent == 1
    assert "おすすめ：" in mail.outbox[0].body and "消える活動" not in mail.outbox[0].body
