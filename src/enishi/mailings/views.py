from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from enishi.communities.permissions import Perm, has_perm, staff_required
from enishi.core.requests import client_ip
from enishi.core.tasks import send_email
from enishi.core.text import to_half_width_ascii
from enishi.donations.selectors import segment_contacts
from enishi.ledger.selectors import member_standing
from enishi.members.models import Member
from enishi.privacy.models import AuditEvent
from enishi.privacy.selectors import newsletter_opted_in
from enishi.privacy.services import audit_record

from . import services
from .forms import (
    ContactSegmentForm,
    JourneyForm,
    MailingForm,
    PreviewMemberForm,
    ScheduleForm,
    SegmentForm,
)
from .journeys import recommended_activities
from .messages import (
    CONTACT_MERGE_FIELDS,
    MERGE_FIELDS,
    invitation_link_missing,
    merge_errors,
    renderer_for,
    unsubscribe_token_read,
)
from .models import Delivery, Journey, Mailing, MailTopic, Segment, TopicOptOut
from .selectors import delivery_counts, journey_figures, mailing_recipients, segment_preview

# ---- segments --------------------------------------------------------------------------


@staff_required(Perm.MAILINGS)
def segment_list(request):
    segments = Segment.objects.filter(community=request.community)
    can_invite = has_perm(request.user, request.community, Perm.DONATIONS)
    return render(request, "mailings/segment_list.html",
                  {"segments": segments, "can_invite": can_invite})  # fmt: skip


@staff_required(Perm.MAILINGS)
def segment_edit(request, pk: int | None = None):
    segment = get_object_or_404(Segment, pk=pk, community=request.community) if pk else None
    if segment is not None and segment.for_contacts:
        return contact_segment_edit(request, pk)
    if request.method == "POST":
        form = SegmentForm(request.POST, community=request.community)
        if form.is_valid():
            services.segment_save(
                community=request.community, segment=segment, by=request.user,
                name=form.cleaned_data["name"], match=form.cleaned_data["match"],
                conditions=form.conditions(),
            )  # fmt: skip
            messages.success(request, _("セグメントを保存しました。"))
            return redirect("mailings:segment_list")
    else:
        initial = SegmentForm.initial_from(segment) if segment else None
        form = SegmentForm(initial=initial, community=request.community)
    return render(request, "mailings/segment_form.html", {"form": form, "segment": segment})


@staff_required(Perm.MAILINGS)
def contact_segment_edit(request, pk: int | None = None):
    """A segment of contacts, for invitations to join (contacts are donation data: staff who
    may also see donations)."""
    if not has_perm(request.user, request.community, Perm.DONATIONS):
        raise PermissionDenied
    segment = None
    if pk:
        segment = get_object_or_404(Segment, pk=pk, community=request.community,
                                    audience=Segment.Audience.CONTACTS)  # fmt: skip
    if request.method == "POST":
        form = ContactSegmentForm(request.POST)
        if form.is_valid():
            services.segment_save(
                community=request.community, segment=segment, by=request.user,
                name=form.cleaned_data["name"], match=form.cleaned_data["match"],
                conditions=form.conditions(), audience=Segment.Audience.CONTACTS,
            )  # fmt: skip
            messages.success(request, _("セグメントを保存しました。"))
            return redirect("mailings:segment_list")
    else:
        form = ContactSegmentForm(initial=ContactSegmentForm.initial_from(segment)
                                  if segment else None)  # fmt: skip
    count = None
    if segment is not None:
        count = segment_contacts(community=request.community, match=segment.match,
                                 conditions=segment.conditions).count()  # fmt: skip
    return render(request, "mailings/contact_segment_form.html",
                  {"form": form, "segment": segment, "count": count})  # fmt: skip


@staff_required(Perm.MAILINGS)
@require_POST
def segment_count(request):
    """The live count and sample (htmx) as the conditions change; nothing is saved."""
    form = SegmentForm(request.POST, community=request.community, require_name=False)
    preview = None
    if form.is_valid():
        preview = segment_preview(
            community=request.community,
            match=form.cleaned_data["match"],
            conditions=form.conditions(),
        )
        if not has_perm(request.user, request.community, Perm.MEMBERS_VIEW):
            preview["sample"] = []  # the count only: this role does not see members
        if preview["sample"]:
            audit_record(
                actor=request.user, ip_address=client_ip(request), community=request.community,
                action=AuditEvent.Action.SEGMENT_SAMPLE, row_count=len(preview["sample"]),
                detail={"conditions": form.conditions(), "match": form.cleaned_data["match"]},
            )  # fmt: skip
    return render(
        request, "mailings/segment_form.html#preview", {"form": form, "preview": preview}
    )


# ---- mailings --------------------------------------------------------------------------


@staff_required(Perm.MAILINGS)
def mailing_list(request):
    mailings = (
        Mailing.objects.filter(community=request.community, journey__isnull=True)
        .select_related("segment", "topic")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(mailings, settings.ENISHI_STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "mailings/mailing_list.html", {"page": page})


def _mailing(request, pk: int) -> Mailing:
    return get_object_or_404(
        Mailing.objects.select_related("segment", "topic", "activity", "community"),
        pk=pk,
        community=request.community,
    )


@staff_required(Perm.MAILINGS)
def mailing_edit(request, pk: int | None = None):
    mailing = _mailing(request, pk) if pk else None
    if mailing is not None and mailing.status != Mailing.Status.DRAFT:
        messages.error(request, _("送信を始めたメールは編集できません。"))
        return redirect("mailings:mailing_detail", mailing.pk)
    if request.method == "POST":
        form = MailingForm(request.POST, instance=mailing, community=request.community)
        if form.is_valid():
            mailing = services.mailing_save(
                community=request.community, data=form.cleaned_data, by=request.user,
                mailing=mailing,
            )  # fmt: skip
            messages.success(
                request, _("下書きを保存しました。プレビューで確認してから送信してください。")
            )
            return redirect("mailings:mailing_detail", mailing.pk)
    else:
        form = MailingForm(instance=mailing, community=request.community)
    return render(
        request,
        "mailings/mailing_form.html",
        {"form": form, "mailing": mailing, "merge_fields": MERGE_FIELDS.items(),
         "contact_merge_fields": CONTACT_MERGE_FIELDS.items()},
    )  # fmt: skip


def _merge_problems(mailing: Mailing) -> list[str]:
    flags = {"has_activity": bool(mailing.activity_id), "journey": bool(mailing.journey_id),
             "contacts": mailing.for_contacts}  # fmt: skip
    problems = merge_errors(mailing.subject, **flags) + merge_errors(mailing.body, **flags)
    if mailing.for_contacts and "{join_url}" not in mailing.body:
        problems.append(invitation_link_missing())
    return problems


def _preview_member(request, mailing: Mailing, number: str):
    """Who the preview and the test mail are rendered for: the member with this number, or
    the first recipient (for an invitation, the first contact it goes or went to)."""
    if mailing.for_contacts:
        first = mailing_recipients(mailing=mailing).order_by("pk").first()
        if first is None:
            delivery = mailing.deliveries.select_related("contact").order_by("pk").first()
            first = delivery.contact if delivery is not None else None
        return first
    if number:
        number = to_half_width_ascii(number).strip().upper()[:20]
        if number.isascii() and number.isdigit():
            number = f"{request.community.member_number_prefix}-{int(number):06d}"
        return Member.objects.filter(community=request.community, number=number).first()
    return mailing_recipients(mailing=mailing).order_by("pk").first()


def _render_for(mailing: Mailing, member):
    renderer = renderer_for(mailing)
    if mailing.for_contacts:
        return renderer.render(member)
    standing = member_standing(member=member) if renderer.needs_standing else None
    recommended = recommended_activities(member=member) if mailing.journey_id else ()
    return renderer.render(member, standing=standing, recommended=recommended)


@staff_required(Perm.MAILINGS)
def mailing_detail(request, pk: int):
    mailing = _mailing(request, pk)
    context = {
        "mailing": mailing,
        "counts": delivery_counts(mailing=mailing),
        "schedule_form": ScheduleForm(),
        "preview_form": PreviewMemberForm(request.GET or None),
    }
    if mailing.status in (Mailing.Status.DRAFT, Mailing.Status.SCHEDULED):
        context["recipient_count"] = mailing_recipients(mailing=mailing).count()
        context["errors"] = _merge_problems(mailing)
    return render(request, "mailings/mailing_detail.html", context)


@staff_required(Perm.MAILINGS)
def mailing_preview(request, pk: int):
    """The mailing as one member will get it (the segment's first member unless a number is
    given). A broken merge field is reported here, before anything can be sent."""
    mailing = _mailing(request, pk)
    form = PreviewMemberForm(request.GET)
    form.is_valid()
    number = form.cleaned_data.get("member", "")
    errors = _merge_problems(mailing)
    member = _preview_member(request, mailing, number)
    rendered = None
    if member is None:
        if number:
            form.add_error("member", _("この会員番号の会員は見つかりません。"))
    elif not errors:
        rendered = _render_for(mailing, member)
    return render(
        request,
        "mailings/mailing_preview.html",
        {"mailing": mailing, "form": form, "member": member, "errors": errors,
         "rendered": rendered},
    )  # fmt: skip


@staff_required(Perm.MAILINGS)
@require_POST
def mailing_test(request, pk: int):
    """Send the mailing to the staff member's own address, rendered for the first recipient."""
    mailing = _mailing(request, pk)
    errors = _merge_problems(mailing)
    member = _preview_member(request, mailing, request.POST.get("member", ""))
    if errors or member is None or not request.user.email:
        messages.error(
            request, _("テスト送信できません。プレビューで内容と送り先を確認してください。")
        )
        return redirect("mailings:mailing_detail", mailing.pk)
    mail = _render_for(mailing, member)
    kwargs = {
        "subject": _("［テスト］") + mail["subject"],
        "body": mail["text"],
        "html": mail["html"],
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "to": [request.user.email],
    }
    transaction.on_commit(lambda: send_email.enqueue(**kwargs))
    messages.success(
        request, _("%(email)s にテストメールを送りました。") % {"email": request.user.email}
    )
    return redirect("mailings:mailing_detail", mailing.pk)


def _can_send(request, mailing: Mailing) -> bool:
    if _merge_problems(mailing):
        messages.error(request, _("差し込み項目に誤りがあります。プレビューで確認してください。"))
        return False
    if not mailing_recipients(mailing=mailing).exists():
        if mailing.for_contacts:
            messages.error(
                request, _("送り先が0人です（招待できる連絡先がセグメントにいません）。")
            )
        else:
            messages.error(
                request, _("送り先が0人です（配信に同意している会員がセグメントにいません）。")
            )
        return False
    return True


@staff_required(Perm.MAILINGS)
@require_POST
def mailing_send(request, pk: int):
    mailing = _mailing(request, pk)
    if mailing.status not in (Mailing.Status.DRAFT, Mailing.Status.SCHEDULED):
        messages.info(request, _("このメールはすでに送信を始めています。"))
    elif _can_send(request, mailing):
        count = services.mailing_queue(mailing=mailing)
        messages.success(request, _("%(n)s人への送信を始めました。") % {"n": f"{count:,}"})
    return redirect("mailings:mailing_detail", mailing.pk)


@staff_required(Perm.MAILINGS)
@require_POST
def mailing_schedule(request, pk: int):
    mailing = _mailing(request, pk)
    if request.POST.get("cancel"):
        services.mailing_unschedule(mailing=mailing)
        messages.success(request, _("送信の予約を取り消しました。"))
        return redirect("mailings:mailing_detail", mailing.pk)
    form = ScheduleForm(request.POST)
    if mailing.status not in (Mailing.Status.DRAFT, Mailing.Status.SCHEDULED):
        messages.info(request, _("このメールはすでに送信を始めています。"))
    elif not form.is_valid():
        for error in form.errors.get("send_at", []):
            messages.error(request, error)
    elif _can_send(request, mailing):
        services.mailing_schedule(mailing=mailing, when=form.cleaned_data["send_at"])
        messages.success(request, _("送信を予約しました。"))
    return redirect("mailings:mailing_detail", mailing.pk)


@staff_required(Perm.MAILINGS)
def mailing_progress(request, pk: int):
    mailing = _mailing(request, pk)
    return render(
        request,
        "mailings/mailing_detail.html#progress",
        {"mailing": mailing, "counts": delivery_counts(mailing=mailing)},
    )


@staff_required(Perm.MAILINGS)
def mailing_deliveries(request, pk: int):
    """Per-recipient status of a mailing (personal data: audited)."""
    if not has_perm(request.user, request.community, Perm.MEMBERS_VIEW):
        raise PermissionDenied
    mailing = _mailing(request, pk)
    deliveries = (
        Delivery.objects.filter(mailing=mailing)
        .select_related("member", "contact")
        .order_by("pk")
    )
    status = request.GET.get("status", "")
    if status in Delivery.Status.values:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, settings.ENISHI_STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user, ip_address=client_ip(request), community=request.community,
        action=AuditEvent.Action.MAILING_RECIPIENTS, row_count=len(page.object_list),
        detail={"mailing": mailing.pk, "status": status, "page": page.number},
    )  # fmt: skip
    return render(
        request,
        "mailings/mailing_deliveries.html",
        {"mailing": mailing, "page": page, "status": status,
         "statuses": Delivery.Status.choices,
         "query": urlencode({"status": status}) if status else ""},
    )  # fmt: skip


# ---- journeys --------------------------------------------------------------------------


@staff_required(Perm.MAILINGS)
def journey_list(request):
    return render(
        request,
        "mailings/journey_list.html",
        {"journeys": journey_figures(community=request.community)},
    )


@staff_required(Perm.MAILINGS)
def journey_edit(request, pk: int):
    journey = get_object_or_404(Journey, pk=pk, community=request.community)
    form = JourneyForm(request.POST or None, instance=journey)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("自動送信の設定を保存しました。"))
        return redirect("mailings:journey_list")
    return render(
        request,
        "mailings/journey_form.html",
        {"form": form, "journey": journey, "merge_fields": MERGE_FIELDS.items()},
    )


# ---- unsubscribing (no login) ----------------------------------------------------------


def _from_token(request, token: str) -> tuple[Member, MailTopic]:
    found = unsubscribe_token_read(token)
    if found is None:
        raise Http404(_("このリンクは正しくありません。"))
    member = Member.objects.filter(pk=found[0], community=request.community).first()
    topic = MailTopic.objects.filter(pk=found[1], community=request.community).first()
    if member is None or topic is None:
        raise Http404(_("このリンクは正しくありません。"))
    return member, topic


def unsubscribe(request, token: str):
    """The footer link: GET only shows a button (a link-checking bot that follows links
    unsubscribes nobody); the button POSTs."""
    member, topic = _from_token(request, token)
    done = None
    if request.method == "POST":
        if request.POST.get("scope") == "all":
            services.marketing_stop(member=member, source="unsubscribe")
            done = "all"
        else:
            services.topic_leave(member=member, topic=topic, source="unsubscribe")
            done = "topic"
    context = {
        "member": member,
        "topic": topic,
        "done": done,
        "left_topic": TopicOptOut.objects.filter(member=member, topic=topic).exists(),
        "newsletter": newsletter_opted_in(member=member),
    }
    return render(request, "mailings/unsubscribe.html", context)


@csrf_exempt  # RFC 8058: the mail client POSTs without a page, cookie or token of ours
@require_POST
def unsubscribe_one_click(request, token: str):
    member, topic = _from_token(request, token)
    services.topic_leave(member=member, topic=topic, source="one_click")
    return HttpResponse(_("配信を停止しました。"), content_type="text/plain; charset=utf-8")
