from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enishi.communities.permissions import Perm, staff_required, visible_members
from enishi.members.models import Member
from enishi.members.views import _current_member
from enishi.privacy.models import AuditEvent
from enishi.privacy.services import audit_request

from . import services
from .forms import AmbassadorForm, CampaignForm, PostForm, ReviewForm
from .models import Campaign, PostSubmission, Referral
from .selectors import ambassadors, open_campaigns, public_ambassadors

# --- members --------------------------------------------------------------------------------


@login_required
def my_posts(request):
    """/me/posts/: submit a link to a post about the region; the member's submissions."""
    member = _current_member(request)
    if request.method == "POST":
        form = PostForm(request.POST, community=request.community)
        if member.status != Member.Status.ACTIVE:
            form.add_error(None, _("投稿はメールアドレスの確認後に送れます。"))
        elif form.is_valid():
            try:
                services.post_submit(
                    member=member,
                    url=form.cleaned_data["url"],
                    text=form.cleaned_data["text"],
                    hashtag=form.cleaned_data["hashtag"],
                    campaign=form.cleaned_data["campaign"],
                )
            except services.PromotionError as error:
                form.add_error("url", str(error))
            else:
                messages.success(
                    request, _("投稿を受け付けました。職員が確認してからポイントが付きます。")
                )
                return redirect("promotion:my_posts")
    else:
        form = PostForm(community=request.community)
    posts = member.posts.select_related("campaign")[:50]
    return render(
        request,
        "promotion/my_posts.html",
        {
            "form": form,
            "posts": posts,
            "campaigns": open_campaigns(community=request.community),
        },
    )


@login_required
@require_POST
def my_ambassador(request):
    member = _current_member(request)
    form = AmbassadorForm(request.POST)
    form.is_valid()
    public = form.cleaned_data.get("public", False)
    services.ambassador_visibility_set(member=member, public=public)
    if public:
        messages.success(request, _("紹介ランキングにニックネームを表示します。"))
    else:
        messages.success(request, _("紹介ランキングには表示しません。"))
    return redirect("members:me")


def ambassador_board(request):
    """The public leaderboard of ambassadors (nicknames only, members may opt out)."""
    return render(
        request,
        "promotion/ambassadors.html",
        {"rows": public_ambassadors(community=request.community)},
    )


# --- staff: referrals -----------------------------------------------------------------------


@staff_required(Perm.MEMBERS_VIEW)
def staff_referrals(request):
    """Ambassadors (members ranked by the people they invited) and flagged referrals."""
    members = visible_members(request)
    board = list(ambassadors(members=members))
    flagged = list(
        Referral.objects.filter(community=request.community, referrer__in=members)
        .exclude(flag="")
        .select_related("referrer", "invited")
        .order_by("-created_at")[:100]
    )
    audit_request(
        request,
        action=AuditEvent.Action.REFERRAL_LIST,
        row_count=len(board) + len(flagged),
        detail={"view": "ambassadors"},
    )
    return render(request, "promotion/staff_referrals.html", {"board": board, "flagged": flagged})


@staff_required(Perm.MEMBERS_VIEW)
def staff_member_referrals(request, pk: int):
    """The people one member invited, with what each referral earned or why it was flagged."""
    member = get_object_or_404(visible_members(request), pk=pk)
    referrals = list(
        Referral.objects.filter(referrer=member).select_related("invited").order_by("-created_at")
    )
    audit_request(
        request, action=AuditEvent.Action.REFERRAL_LIST, member=member, row_count=len(referrals)
    )
    return render(
        request,
        "promotion/staff_member_referrals.html",
        {"member": member, "referrals": referrals},
    )


# --- staff: SNS posts and campaigns ---------------------------------------------------------


@staff_required(Perm.CONTENT)
def staff_posts(request):
    """The approval queue: pending submissions first, or those of one status."""
    status = request.GET.get("status", PostSubmission.Status.PENDING)
    if status not in PostSubmission.Status.values:
        status = PostSubmission.Status.PENDING
    posts = (
        PostSubmission.objects.filter(community=request.community, status=status)
        .select_related("member", "campaign")
        .order_by("created_at" if status == PostSubmission.Status.PENDING else "-reviewed_at")
    )
    page = Paginator(posts, 50).get_page(request.GET.get("page"))
    audit_request(
        request,
        action=AuditEvent.Action.POST_LIST,
        row_count=len(page),
        detail={"status": status, "page": page.number},
    )
    return render(
        request,
        "promotion/staff_posts.html",
        {
            "page": page,
            "status": status,
            "statuses": PostSubmission.Status.choices,
            "query": f"status={status}",
        },
    )


@staff_required(Perm.CONTENT)
@require_POST
def staff_post_review(request, pk: int):
    post = get_object_or_404(PostSubmission, community=request.community, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("承認か見送りを選んでください。"))
        return redirect("promotion:staff_posts")
    approve = form.cleaned_data["action"] == "approve"
    try:
        services.post_review(post=post, approve=approve, by=request.user,
                             note=form.cleaned_data["note"])  # fmt: skip
    except services.PromotionError as error:
        messages.error(request, str(error))
    else:
        if approve:
            messages.success(request, _("承認しました。会員にポイントを記録しました。"))
        else:
            messages.success(request, _("見送りにしました。"))
    return redirect("promotion:staff_posts")


@staff_required(Perm.CONTENT)
def staff_campaigns(request):
    campaigns = Campaign.objects.filter(community=request.community)
    return render(request, "promotion/staff_campaigns.html", {"campaigns": campaigns})


@staff_required(Perm.CONTENT)
def staff_campaign_edit(request, pk: int | None = None):
    campaign = (
        get_object_or_404(Campaign, community=request.community, pk=pk)
        if pk is not None
        else Campaign(community=request.community)
    )
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        services.campaign_save(community=request.community, campaign=form.save(commit=False))
        messages.success(request, _("キャンペーンを保存しました。"))
        return redirect("promotion:staff_campaigns")
    return render(
        request, "promotion/staff_campaign_form.html", {"form": form, "campaign": campaign}
    )
