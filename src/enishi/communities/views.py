from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enishi.members.models import Use
from enishi.members.selectors import active_member_count

from . import services
from .forms import TagFormSet
from .models import Tag
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
