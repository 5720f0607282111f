from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from enishi.communities.permissions import (
    Perm,
    has_perm,
    permissions_of,
    staff_required,
)
from enishi.core.requests import client_ip
from enishi.members.models import Member
from enishi.members.selectors import member_for_user
from enishi.members.views import not_member_page

from . import services
from .forms import MemberTokenForm, StaffTokenForm
from .models import ApiToken
from .scopes import SCOPE_LABELS, SCOPE_PERMS, Scope


def _allowed_scopes(request) -> list[Scope]:
    perms = permissions_of(request.user, request.community)
    return [scope for scope in Scope if SCOPE_PERMS[scope] in perms]


def _staff_tokens(request):
    tokens = ApiToken.objects.filter(community=request.community, kind=ApiToken.Kind.STAFF)
    if not has_perm(request.user, request.community, Perm.STAFF_MANAGE):
        tokens = tokens.filter(user=request.user)
    return tokens.select_related("user")


@never_cache
@staff_required(Perm.MEMBERS_VIEW)
def staff_tokens(request):
    """Staff tokens: one's own (admins see and revoke everyone's); new ones get at most the
    scopes the staff member's role allows."""
    allowed = _allowed_scopes(request)
    form = StaffTokenForm(request.POST or None, allowed=allowed)
    issued = None
    if request.method == "POST" and form.is_valid():
        _token, issued = services.token_issue(
            community=request.community,
            user=request.user,
            name=form.cleaned_data["name"],
            scopes=[Scope(s) for s in form.cleaned_data["scopes"]],
            ip_address=client_ip(request),
        )
        form = StaffTokenForm(allowed=allowed)
    tokens = list(_staff_tokens(request)[:200])
    for token in tokens:
        token.scope_labels = [SCOPE_LABELS.get(s, s) for s in token.scopes]
    return render(
        request,
        "api/staff_tokens.html",
        {"form": form, "tokens": tokens, "issued": issued},
    )


@staff_required(Perm.MEMBERS_VIEW)
@require_POST
def staff_token_revoke(request, pk: int):
    token = get_object_or_404(_staff_tokens(request), pk=pk)
    services.token_revoke(token=token, by=request.user, ip_address=client_ip(request))
    message = _("トークン %(prefix)s… を無効にしました。")
    messages.success(request, message % {"prefix": token.prefix})
    return redirect("api_tokens:staff")


@never_cache
@login_required
def my_token(request):
    """A member's own token for /api/v1/me (one at a time; a new one replaces the old)."""
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        return not_member_page(request)
    if member.status != Member.Status.ACTIVE:
        raise Http404(_("APIトークンは会員の方が対象です。"))
    form = MemberTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        _token, issued = services.token_issue(
            community=request.community,
            user=request.user,
            member=member,
            name=form.cleaned_data["name"],
            ip_address=client_ip(request),
        )
        form = MemberTokenForm()
    current = member.api_tokens.filter(revoked_at__isnull=True).first()
    return render(
        request,
        "api/my_token.html",
        {"form": form, "current": current, "issued": issued},
    )


@login_required
@require_POST
def my_token_revoke(request):
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        return not_member_page(request)
    for token in member.api_tokens.filter(revoked_at__isnull=True):
        services.token_revoke(token=token, by=request.user, ip_address=client_ip(request))
    messages.success(request, _("APIトークンを無効にしました。"))
    return redirect("api_tokens:me")
