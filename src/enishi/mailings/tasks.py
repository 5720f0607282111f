"""Background work for mailings, run by the task worker (`enishi db_worker`)."""

from django.tasks import task


@task
def deliver_mailing(*, mailing_id: int) -> dict:
    """Send a mailing's due deliveries. When the mail server fails, the unsent rows wait with a
    back-off and this task is queued again for then (django-tasks-db's `run_after`); a worker
    that dies mid-batch leaves claimed rows that `enishi run_mailings` gives back after the
    lease. django-tasks-db itself never retries a task, which is why the rows decide."""
    from .services import _enqueue_delivery, mailing_deliver

    run = mailing_deliver(mailing_id=mailing_id)
    if run.retry_at is not None:
        _enqueue_delivery(mailing_id, run_after=run.retry_at)
    return {
        "sent": run.sent,
        "skipped": run.skipped,
        "invalid": run.invalid,
        "bounced": run.bounced,
        "retry_at": run.retry_at.isoformat() if run.retry_at else None,
    }
