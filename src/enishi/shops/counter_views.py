"""/shop/: the counter of a partner shop, on the clerk's phone.

The clerk scans a member card with the phone's camera (it opens /card/<token>/, which sends a
shop clerk on here) or types the member number. The member chosen waits in the clerk's session
for a few minutes; the page shows only the nickname, the rank and this shop's benefits with
whether each can be used now — never a name, an address or an email.
"""

import time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from enishi.communities.permissions import Perm, staff_required
from enishi.ledger.selectors import member_standing
from enishi.members.models import Member
from enishi.members.services import card_token_check

from . import selectors, services
from .forms import NumberForm

MEMBER_SESSION_KEY = "enishi.shop_member"
MEMBER_SESSION_SECONDS = 10 * 60
CARD_PROBLEMS = {
    "expired": gettext_lazy(
        "QRコードの有効期限が切れています。会員証の画面を開き直してもらってください。"
    ),
    "invalid": gettext_lazy("QRコードを読み取れませんでした。会員証のQRコードか確認してください。"),
    "inactive": gettext_lazy("この会員証は現在使えません（退会済み、または再発行されています）。"),
    "other_community": gettext_lazy("このコミュニティの会員証ではありません。"),
}


def _shop(request):
    shop = services.shop_of_clerk(user=request.user, community=request.community)
    if shop is None:
        raise PermissionDenied(_("この職員アカウントは協力店に割り当てられていません。"))
    return shop


def _serve(request, member: Member):
    request.session[MEMBER_SESSION_KEY] = {"pk": member.pk, "at": int(time.time())}
    return redirect("shops:counter_member")


def _counter_page(request, shop, form, *, problem: str = "", status: int = 200):
    return render(
        request,
        "shops/counter.html",
        {
            "shop": shop,
            "form": form,
            "problem": CARD_PROBLEMS.get(problem, problem),
            "recent": selectors.shop_recent_redemptions(shop=shop),
        },
        status=status,
    )


@staff_required(Perm.SHOP_REDEEM)
def counter(request):
    shop = _shop(request)
    if request.method == "POST":
        form = NumberForm(request.POST)
        if form.is_valid():
            member = services.find_member_by_number(
                community=request.community, number=form.cleaned_data["number"]
            )
            if member is not None:
                return _serve(request, member)
            form.add_error("number", _("その会員番号の会員は見つかりませんでした。"))
        return _counter_page(request, shop, form, status=400)
    request.session.pop(MEMBER_SESSION_KEY, None)
    return _counter_page(request, shop, NumberForm())


@staff_required(Perm.SHOP_REDEEM)
def counter_card(request, token: str):
    """Where a scanned member card leads a shop clerk."""
    shop = _shop(request)
    result = card_token_check(token=token)
    problem = result.problem
    if result.member and result.member.community_id != request.community.pk:
        problem = "other_community"
    if problem:
        return _counter_page(request, shop, NumberForm(), problem=problem, status=400)
    return _serve(request, result.member)


def _served_member(request) -> Member | None:
    served = request.session.get(MEMBER_SESSION_KEY)
    if not isinstance(served, dict) or time.time() - served.get("at", 0) > MEMBER_SESSION_SECONDS:
        return None
    return Member.objects.filter(pk=served.get("pk"), community=request.community).first()


@staff_required(Perm.SHOP_REDEEM)
def counter_member(request):
    shop = _shop(request)
    member = _served_member(request)
    if member is None:
        messages.info(request, _("会員証をもう一度読み取ってください。"))
        return redirect("shops:counter")
    standing = member_standing(member=member)
    statuses = services.benefit_statuses(
        member=member,
        benefits=shop.benefits.filter(is_active=True).select_related("shop", "min_rank"),
        rank=standing.rank,
    )
    return render(
        request,
        "shops/counter_member.html",
        {
            "shop": shop,
            "nickname": member.nickname or _("（ニックネーム未設定）"),
            "active": member.status == Member.Status.ACTIVE,
            "rank": standing.rank,
            "statuses": statuses,
        },
    )


@staff_required(Perm.SHOP_REDEEM)
@require_POST
def counter_redeem(request):
    shop = _shop(request)
    member = _served_member(request)
    if member is None:
        messages.info(request, _("会員証をもう一度読み取ってください。"))
        return redirect("shops:counter")
    benefit_id = request.POST.get("benefit", "")
    try:
        redemption = services.redemption_record(
            shop=shop,
            benefit_id=int(benefit_id) if benefit_id.isdigit() else 0,
            member=member,
            by=request.user,
        )
    except services.RedemptionRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("「%(benefit)s」の利用を記録しました。") % {"benefit": redemption.benefit.title},
        )
    return redirect("shops:counter_member")
