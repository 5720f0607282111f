from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from enishi.core.requests import client_ip
from enishi.core.tasks import send_email
from enishi.members.models import Use
from enishi.members.selectors import active_member_count
from enishi.news.selectors import published_reports

from . import services
from .forms import StaffRoleForm, TagFormSet
from .models import StaffRole, Tag
from .permissions import Perm, is_community_staff, staff_required

USE_DESCRIPTIONS = {
    Use.KNOWLEDGE: _(
        "仕事や趣味で培った知識やスキルで、市の計画づくりや地域の課題解決に力を貸す。"
    ),
    Use.VISIT: _("季節ごとに伊賀を訪れ、お店やスポットで会員証を使う。"),
    Use.DONATION: _("ふるさと納税で伊賀のまちづくりを応援する。"),
    Use.LOCAL_ACTIVITY: _("祭りや田植え、清掃活動など、地域の活動に参加する。"),
    Use.MIGRATION_TRIAL: _("実家暮らし体験や短期滞在で、伊賀での暮らしを試してみる。"),
    Use.PROMOTION: _("SNSや東京・大阪のイベントで、伊賀の魅力を伝える。"),
}


def home(request):
    community = request.community
    return render(
        request,
        "communities/home.html",
        {
            "member_count": active_member_count(community=community) if community else 0,
            "uses": [(use, use.label, USE_DESCRIPTIONS[use]) for use in Use],
            "reports": list(published_reports(community=community)[:3]) if community else [],
        },
    )


def terms(request):
    return render(request, "communities/terms.html")


def privacy_policy(request):
    return render(request, "communities/privacy.html")


@staff_required(Perm.CONFIGURE)
def staff_tags(request, kind: str):
    """Staff edit the topic and skill words members choose from."""
    if kind not in Tag.Kind.values:
        raise Http404
    kind = Tag.Kind(kind)
    queryset = request.community.tags.filter(kind=kind)
    # New words go to the end of the list unless staff say otherwise.
    last = queryset.aggregate(last=Max("position"))["last"]
    initial = [{"position": (last or 0) + 1, "is_active": True}] * TagFormSet.extra
    formset = TagFormSet(request.POST or None, queryset=queryset, initial=initial)
    if request.method == "POST" and formset.is_valid():
        services.tags_save(community=request.community, kind=kind,
                           tags=formset.save(commit=False))  # fmt: skip
        messages.success(request, gettext("選択肢を保存しました。"))
        return redirect("communities:staff_tags", kind=kind.value)
    return render(request, "communities/staff_tags.html", {"formset": formset, "kind": kind})


@login_required
def staff_security(request):
    """A staff member's second factor: whether one is enrolled, and where to enrol it."""
    if not is_community_staff(request.user, request.community):
        raise PermissionDenied
    kinds = set(
        Authenticator.objects.filter(user=request.user).values_list("type", flat=True)
    )
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    return render(
        request,
        "communities/staff_security.html",
        {
            "has_totp": Authenticator.Type.TOTP in kinds,
            "has_webauthn": Authenticator.Type.WEBAUTHN in kinds,
            "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in kinds,
            "enrolled": bool(kinds & {Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN}),
            "next_url": next_url,
        },
    )


def _invite(request, staff) -> None:
    """Mail a new staff login the link to choose a password (allauth's reset-by-key page)."""
    user = staff.user
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    context = {
        "community": request.community,
        "staff": staff,
        "set_password_url": request.build_absolute_uri(path),
    }
    kwargs = {
        "subject": f"[{request.community.name}] " + gettext("職員アカウントのご案内"),
        "body": render_to_string("communities/email/staff_invitation.txt", context),
        "from_email": settings.DEFAULT_FROM_EMAIL,
        "to": [user.email],
    }
    transaction.on_commit(lambda: send_email.enqueue(**kwargs))


@staff_required(Perm.STAFF_MANAGE)
def staff_team(request):
    """Community admins give, change and take away staff roles; every change is audited."""
    community = request.community
    form = StaffRoleForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                staff, created = services.staff_role_set(
                    community=community,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    organizer=form.cleaned_data["organizer"],
                    by=request.user,
                    ip_address=client_ip(request),
                )
                if created:
                    _invite(request, staff)
        except services.StaffRoleError as error:
            form.add_error(None, error.message)
        else:
            if created:
                messages.success(
                    request, gettext("職員を追加し、パスワード設定用のメールを送りました。")
                )
            else:
                messages.success(request, gettext("職員の役割を保存しました。"))
            return redirect("communities:staff_team")
    roles = (
        community.staff_roles.select_related("user", "organizer")
        .annotate(
            has_second_factor=Exists(
                Authenticator.objects.filter(
                    user=OuterRef("user"),
                    type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN],
                )
            )
        )
        .order_by("role", "user__email")
    )
    return render(request, "communities/staff_team.html", {"form": form, "roles": roles})


@staff_required(Perm.STAFF_MANAGE)
@require_POST
def staff_team_remove(request, pk: int):
    staff = get_object_or_404(StaffRole, pk=pk, community=request.community)
    try:
        services.staff_role_remove(staff=staff, by=request.user, ip_address=client_ip(request))
    except services.StaffRoleError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, gettext("%(email)s の職員の役割を外しました。") % {"email": staff.user.email}
        )
    return redirect("communities:staff_team")
