import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enishi.communities.permissions import Perm, staff_required
from enishi.members.models import Member
from enishi.members.selectors import member_for_user

from . import services
from .certificates import rank_certificate_pdf
from .selectors import member_standing


@login_required
def certificate(request):
    """The 認定証 PDF of the member's current rank, once they have risen above the first."""
    member = member_for_user(community=request.community, user=request.user)
    if member is None or member.status != Member.Status.ACTIVE:
        raise Http404(_("認定証は会員の方が対象です。"))
    standing = member_standing(member=member)
    if not standing.can_print_certificate:
        raise Http404(_("認定証は、最初のランクから一つ上がると印刷できます。"))
    pdf = rank_certificate_pdf(member=member, standing=standing)
    return FileResponse(io.BytesIO(pdf), content_type="application/pdf",
                        filename=f"{member.number}-certificate.pdf")  # fmt: skip


@staff_required(Perm.MEMBERS_MANAGE)
@require_POST
def designate_carrier(request, pk: int):
    """Staff mark (or unmark) a member as a 担い手 of the region."""
    member = get_object_or_404(Member, pk=pk, community=request.community)
    services.member_designate_carrier(
        member=member, designated=request.POST.get("designated") == "1"
    )
    messages.success(request, _("担い手の指定を保存しました。"))
    return redirect("members:staff_detail", pk=member.pk)
