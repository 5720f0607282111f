import io
import json
from dataclasses import asdict

from allauth.account.views import SignupView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enishi.activities.checkin_views import card_scanned_at_desk
from enishi.communities.permissions import (
    Perm,
    has_perm,
    is_community_staff,
    staff_required,
    visible_members,
)
from enishi.core.postal import lookup_postal_code
from enishi.core.qr import qr_svg
from enishi.core.requests import client_ip
from enishi.core.spreadsheets import excel_csv
from enishi.core.text import normalize_postal_code
from enishi.ledger.selectors import member_history, member_standing
from enishi.mailings.selectors import member_topics_kept
from enishi.mailings.services import mail_preferences_save
from enishi.matching.selectors import recommendations
from enishi.privacy.models import AuditEvent
from enishi.privacy.selectors import (
    member_personal_data,
    member_personal_rows,
    newsletter_opted_in,
)
from enishi.privacy.services import audit_request
from enishi.promotion.forms import AmbassadorForm
from enishi.promotion.selectors import invitation, is_public_ambassador, member_referral_count
from enishi.residency.selectors import member_premium_status
from enishi.shops import selectors as shop_selectors

from . import exports, services
from .cards import member_card_pdf
from .forms import (
    AddressFields,
    MailPreferencesForm,
    MemberFilterForm,
    MembershipForm,
    ProfileForm,
    WithdrawForm,
)
from .models import Member
from .selectors import member_for_user, staff_member_search
from .services import PROFILE_CHOICE_FIELDS, PROFILE_FIELDS


def _current_member(request) -> Member:
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        raise Http404(_("このコミュニティの会員登録はありません。"))
    return member


def not_member_page(request):
    """What a signed-in person without a membership here sees on a member page."""
    return render(
        request,
        "members/not_member.html",
        {"is_staff": is_community_staff(request.user, request.community)},
    )


_signup = SignupView.as_view()

# What a person typed for another community and may reuse here (their own data, shown only to
# them; ties, interests and skills are this community's own questions and are asked afresh).
REUSED_PROFILE_FIELDS = (
    "family_name", "given_name", "family_name_kana", "given_name_kana", "nickname",
    "birth_year", "birth_month", "gender", "postal_code", "prefecture_code", "city",
    "address_line", "phone",
)  # fmt: skip


def join(request):
    """/join/: a visitor registers (account and profile, allauth's sign-up); someone already
    signed in, e.g. a member of another community of this deployment, joins with the same
    login and gives only the profile and the consents."""
    if not request.user.is_authenticated:
        return _signup(request)
    if member_for_user(community=request.community, user=request.user) is not None:
        messages.info(
            request,
            _("すでに%(name)sの会員として登録されています。") % {"name": request.community.name},
        )
        return redirect("members:me")
    if request.method == "POST":
        form = MembershipForm(request.POST, community=request.community)
        if form.is_valid():
            member = services.member_join(
                community=request.community,
                user=request.user,
                profile=form.profile_data(),
                referral_code=form.cleaned_data["referral_code"],
                newsletter=form.cleaned_data["newsletter"],
                ip_address=client_ip(request),
                invitation=form.cleaned_data["invitation"],
            )
            if member is not None and member.status == Member.Status.ACTIVE:
                messages.success(
                    request,
                    _("%(name)sの会員になりました。会員番号は %(number)s です。")
                    % {"name": request.community.name, "number": member.number},
                )
            return redirect("members:me")
    else:
        form = MembershipForm(
            initial={
                **_profile_elsewhere(request.user, request.community),
                "referral_code": request.GET.get("ref", "")[:12],
            },
            community=request.community,
        )
        if token := request.GET.get("invite"):
            form.fill_from_invitation(token)
    return render(request, "members/join_signed_in.html", {"form": form})


def _profile_elsewhere(user, community) -> dict:
    other = (
        Member.objects.filter(user=user)
        .exclude(community=community)
        .exclude(status=Member.Status.WITHDRAWN)
        .order_by("-created_at")
        .first()
    )
    if other is None:
        return {}
    return {field: getattr(other, field) for field in REUSED_PROFILE_FIELDS}


@login_required
def me(request):
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        return not_member_page(request)
    standing = member_standing(member=member)
    return render(
        request,
        "members/me.html",
        {
            "member": member,
            "standing": standing,
            "premium": member_premium_status(member=member),
            "history": member_history(member=member, limit=20),
            "newsletter": newsletter_opted_in(member=member),
            **shop_selectors.member_shop_context(member=member, rank=standing.rank),
            "invitation": invitation(request, member) if member.status == Member.Status.ACTIVE
            else None,
            "referral_count": member_referral_count(member=member),
            "recommendations": recommendations(member=member)
            if member.status == Member.Status.ACTIVE
            else [],
            "ambassador_form": AmbassadorForm(
                initial={"public": is_public_ambassador(member=member)}
            ),
        },
    )


@login_required
def profile_edit(request):
    member = _current_member(request)
    if request.method == "POST":
        form = ProfileForm(request.POST, member=member)
        if form.is_valid():
            services.member_update_profile(member=member, profile=form.profile_data())
            messages.success(request, _("プロフィールを更新しました。"))
            return redirect("members:me")
    else:
        initial = {
            field: getattr(member, field)
            for field in PROFILE_FIELDS
            if field not in PROFILE_CHOICE_FIELDS
        }
        initial["ties"] = [t.tie for t in member.ties.all()]
        initial["uses"] = [u.use for u in member.uses.all()]
        initial["topics"] = list(member.topics.all())
        initial["skills"] = list(member.skills.all())
        form = ProfileForm(initial=initial, member=member)
    return render(request, "members/profile_form.html", {"form": form, "member": member})


@login_required
def mail_preferences(request):
    member = _current_member(request)
    if request.method == "POST":
        form = MailPreferencesForm(request.POST, member=member)
        if form.is_valid():
            mail_preferences_save(
                member=member,
                newsletter=form.cleaned_data["newsletter"],
                topics=form.cleaned_data["topics"],
            )
            messages.success(request, _("メールの受け取り設定を保存しました。"))
            return redirect("members:me")
    else:
        form = MailPreferencesForm(
            initial={
                "newsletter": newsletter_opted_in(member=member),
                "topics": member_topics_kept(member=member),
            },
            member=member,
        )
    return render(request, "members/mail_preferences.html", {"form": form, "member": member})


def _download_name(member: Member, extension: str) -> str:
    return f"{member.number or 'member'}-{timezone.localdate():%Y%m%d}.{extension}"


def _download(member: Member, body: str, content_type: str, extension: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_download_name(member, extension)}"'
    return response


@login_required
def data_json(request):
    member = _current_member(request)
    body = json.dumps(member_personal_data(member=member), ensure_ascii=False, indent=2)
    return _download(member, body, "application/json", "json")


@login_required
def data_csv(request):
    member = _current_member(request)
    body = "".join(excel_csv(member_personal_rows(member=member)))
    return _download(member, body, "text/csv", "csv")


@login_required
def withdraw(request):
    member = _current_member(request)
    if request.method == "POST":
        form = WithdrawForm(request.POST)
        if form.is_valid():
            closes_login = services.withdrawal_closes_login(member=member)
            services.member_withdraw(member=member, ip_address=client_ip(request))
            if closes_login:
                logout(request)
            # Otherwise the login stays, signed in here too: it is still a member elsewhere.
            return render(request, "members/withdrawn.html", {"closes_login": closes_login})
    else:
        form = WithdrawForm()
    return render(
        request,
        "members/withdraw.html",
        {
            "form": form,
            "member": member,
            "closes_login": services.withdrawal_closes_login(member=member),
        },
    )


def _card_context(request, member: Member) -> dict:
    token = services.card_token_issue(member=member)
    url = request.build_absolute_uri(reverse("members:card_check", args=[token]))
    return {
        "member": member,
        "standing": member_standing(member=member),
        "qr": qr_svg(url, title=_("会員証の確認用QRコード")),
        "invitation": invitation(request, member),
    }


def _card_shops(request) -> dict:
    return {"shops": shop_selectors.card_shops(community=request.community)}


@login_required
def card(request):
    member = _current_member(request)
    if member.status != Member.Status.ACTIVE:
        return render(request, "members/card_pending.html", {"member": member})
    if request.htmx:
        return render(request, "members/card.html#qr", _card_context(request, member))
    return render(
        request, "members/card.html", {**_card_context(request, member), **_card_shops(request)}
    )


@login_required
def card_pdf(request):
    member = _current_member(request)
    if member.status != Member.Status.ACTIVE:
        raise Http404(_("会員証はメールアドレスの確認後に発行されます。"))
    token = services.card_token_issue(member=member, printed=True)
    url = request.build_absolute_uri(reverse("members:card_check", args=[token]))
    pdf = member_card_pdf(member=member, standing=member_standing(member=member), qr_url=url)
    return FileResponse(
        io.BytesIO(pdf),
        content_type="application/pdf",
        filename=_download_name(member, "pdf"),
        as_attachment=False,
    )


def card_check(request, token: str):
    """Where a member card's QR code leads: says whether the card is valid now. A staff member
    at a check-in desk is sent on to check the member in, a partner shop's clerk to the shop's
    counter."""
    if has_perm(request.user, request.community, Perm.SHOP_REDEEM):
        return redirect("shops:counter_card", token=token)
    if has_perm(request.user, request.community, Perm.CHECKIN):
        if response := card_scanned_at_desk(request, token):
            return response
    result = services.card_token_check(token=token)
    status = 200 if result.member else 410 if result.problem == "expired" else 404
    return render(
        request,
        "members/card_check.html",
        {
            "result": result,
            "standing": member_standing(member=result.member) if result.member else None,
            "can_open_member": result.member is not None
            and visible_members(request).filter(pk=result.member.pk).exists(),
        },
        status=status,
    )


# The free-text search may be a person's name: it travels by POST and waits in the session,
# never in a URL (where access logs and browser history would keep it). The other filters
# are categories and stay in the query string, so pages and links keep working.
SEARCH_SESSION_KEY = "enishi.staff_member_search"


def _filtered_members(request):
    """The staff list's filters and the members they select. A filter that does not parse is
    left out (the form shows why); the others still apply."""
    data = request.GET.copy()
    data["q"] = request.session.get(SEARCH_SESSION_KEY, "")
    form = MemberFilterForm(data, community=request.community)
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    return form, filters, staff_member_search(members=visible_members(request), filters=filters)


@staff_required(Perm.MEMBERS_VIEW)
def staff_member_list(request):
    if request.method == "POST":
        request.session[SEARCH_SESSION_KEY] = request.POST.get("q", "")[:100]
        query = {
            k: v for k, v in request.POST.items() if v and k not in ("q", "csrfmiddlewaretoken")
        }
        return redirect(f"{reverse('members:staff_list')}?{urlencode(query)}")
    if "clear" in request.GET:
        request.session.pop(SEARCH_SESSION_KEY, None)
        return redirect("members:staff_list")
    form, _filters, members = _filtered_members(request)
    page = Paginator(
        members.select_related("user").prefetch_related("ties"),
        settings.ENISHI_STAFF_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    audit_request(
        request,
        action=AuditEvent.Action.MEMBER_LIST,
        row_count=len(page),
        detail={"page": page.number, "searched": bool(request.session.get(SEARCH_SESSION_KEY))},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/staff_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


@staff_required(Perm.MEMBERS_VIEW)
def staff_member_detail(request, pk: int):
    member = get_object_or_404(
        visible_members(request).select_related("user", "referred_by").prefetch_related(
            "ties", "uses", "topics", "skills"
        ),
        pk=pk,
    )
    audit_request(
        request,
        action=AuditEvent.Action.MEMBER_VIEW,
        member=member,
        row_count=1,
    )
    return render(
        request,
        "members/staff_detail.html",
        {
            "member": member,
            "standing": member_standing(member=member),
            "premium": member_premium_status(member=member),
            "newsletter": newsletter_opted_in(member=member),
            "consents": member.consents.all(),
        },
    )


def _export(request, fmt: str):
    form, filters, members = _filtered_members(request)
    if form.errors:
        # Never export more than the staff member asked for.
        return render(request, "members/staff_export_refused.html", {"form": form}, status=400)
    row_count = members.count()
    audit_request(
        request,
        action=AuditEvent.Action.MEMBER_EXPORT,
        row_count=row_count,
        detail={"format": fmt, "filters": {k: str(v) for k, v in filters.items() if v}},
    )
    filename = f"members-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.members_csv(members), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        exports.members_xlsx(members),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@staff_required(Perm.MEMBERS_EXPORT)
@require_POST
def staff_member_export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return _export(request, fmt)


def postal_lookup(request, code: str = ""):
    """Address of a postal code: JSON, or for htmx the prefecture and city fields filled in."""
    typed = code or request.GET.get("postal_code", "")
    normalized = normalize_postal_code(typed)
    address = lookup_postal_code(normalized) if normalized else None
    if request.htmx:
        if address:
            initial = {"prefecture_code": address.prefecture_code, "city": address.city}
            note = _("%(address)s が見つかりました。続けて町名・番地を入力してください。") % {
                "address": f"{address.prefecture}{address.city}{address.town}"
            }
        else:
            initial = {
                "prefecture_code": request.GET.get("prefecture_code", ""),
                "city": request.GET.get("city", ""),
            }
            note = _("この郵便番号は見つかりませんでした。") if normalized else ""
        return render(
            request,
            "members/_address_fields.html",
            {"form": AddressFields(initial=initial), "address_note": note},
        )
    if address is None:
        return JsonResponse(
            {"error": _("郵便番号が見つかりません。")},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return JsonResponse(asdict(address), json_dumps_params={"ensure_ascii": False})
