import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from enishi.activities.models import Activity
from enishi.communities.permissions import Perm, staff_required, visible_members
from enishi.core.import_views import ImportPages
from enishi.members.models import Member
from enishi.members.selectors import member_for_user
from enishi.members.views import not_member_page
from enishi.privacy.models import AuditEvent
from enishi.privacy.services import audit_request

from . import exports, selectors, services
from .certificates import registration_certificate_pdf
from .forms import DeclarationForm, IdentityCheckForm, RuleSetForm
from .importer import RegistrationImporter
from .models import ActivityDesignation
from .tasks import import_registrations

# /staff/residency/import/: members moving in from another system's roster (or an export).
IMPORT_PAGES = ImportPages(
    namespace="residency",
    importer=RegistrationImporter,
    permission=Perm.MEMBERS_MANAGE,
    task=import_registrations,
    nav_template="residency/_import_nav.html",
    title=gettext_lazy("登録情報の取り込み"),
    intro=gettext_lazy(
        "ほかのシステム（kintone や Excel の名簿、enishi の書き出し）の会員名簿を選んでください。"
        "次の画面で列と項目の対応を確かめてから取り込みます。会員番号が同じ人は新しく登録せず、"
        "名簿の内容で更新します。取り込んだ会員には案内メールは送られません。会員は"
        "「パスワードをお忘れの方」から自分でパスワードを設定してログインします。"
    ),
    file_label=gettext_lazy("会員名簿のファイル"),
    file_help=gettext_lazy(
        "CSV（UTF-8 または Shift_JIS）、Excel（.xlsx）または JSON Lines（.jsonl）。"
        "形式は docs/registrations-schema.md（版 1）です。"
    ),
)


@login_required
def my_status(request):
    """/me/residency/: the member's Premium status, what is missing, and their declaration."""
    member = member_for_user(community=request.community, user=request.user)
    if member is None:
        return not_member_page(request)
    declaration = getattr(member, "residency_declaration", None)
    consent = selectors.share_consent(member)
    if request.method == "POST":
        form = DeclarationForm(request.POST)
        if form.is_valid():
            services.declaration_save(
                member=member,
                other_municipalities=form.cleaned_data["other_municipalities"],
                share=form.cleaned_data["share"],
                policy_version=request.community.privacy_policy_version,
            )
            messages.success(request, _("申告を保存しました。"))
            return redirect("residency:me")
    else:
        form = DeclarationForm(
            initial={
                "other_municipalities": declaration.other_municipalities if declaration else 0,
                "share": bool(consent and consent.granted),
            }
        )
    return render(
        request,
        "residency/me.html",
        {
            "member": member,
            "status": selectors.member_premium_status(member=member),
            "rules": selectors.rules_for(request.community),
            "form": form,
            "designated": selectors.designated_open_activities(
                community=request.community, fy=selectors.current_fiscal_year()
            ),
        },
    )


@login_required
def certificate(request):
    """The 登録証 PDF: number, Basic or Premium, and how long it is valid."""
    member = member_for_user(community=request.community, user=request.user)
    if member is None or member.status != Member.Status.ACTIVE:
        raise Http404(_("登録証は会員の方が対象です。"))
    pdf = registration_certificate_pdf(
        member=member,
        status=selectors.member_premium_status(member=member),
        rules=selectors.rules_for(request.community),
    )
    return FileResponse(io.BytesIO(pdf), content_type="application/pdf",
                        filename=f"{member.number}-registration.pdf")  # fmt: skip


LISTS = {"qualifying": False, "short": True}


@staff_required(Perm.MEMBERS_VIEW)
def staff_overview(request):
    """Who qualifies for Premium this fiscal year, or is one designated activity short."""
    which = request.GET.get("list", "qualifying")
    if which not in LISTS:
        raise Http404
    fy = selectors.current_fiscal_year()
    rules = selectors.rules_for(request.community)
    members = selectors.premium_candidates(
        members=visible_members(request), rules=rules, fy=fy, short=LISTS[which]
    )
    page = Paginator(members, settings.ENISHI_STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(m, selectors.status_of(m, rules=rules, fy=fy)) for m in page]
    audit_request(
        request,
        action=AuditEvent.Action.PREMIUM_LIST,
        row_count=len(rows),
        detail={"list": which, "fiscal_year": fy, "page": page.number},
    )
    return render(
        request,
        "residency/staff_overview.html",
        {
            "rules": rules,
            "fiscal_year": fy,
            "which": which,
            "page": page,
            "rows": rows,
            "query": f"list={which}",
        },
    )


@staff_required(Perm.CONFIGURE)
def staff_rules(request):
    rules = selectors.rules_for(request.community)
    form = RuleSetForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        services.rules_save(rules=form.instance, by=request.user)
        messages.success(request, _("プレミアム登録の条件を保存しました。"))
        return redirect("residency:staff_rules")
    return render(request, "residency/staff_rules.html", {"form": form, "rules": rules})


def _fiscal_year_param(request) -> int:
    this = selectors.current_fiscal_year()
    try:
        fy = int(request.GET.get("year") or request.POST.get("year") or this)
    except ValueError:
        return this
    return fy if fy in (this - 1, this, this + 1) else this


@staff_required(Perm.CONFIGURE)
def staff_activities(request):
    """Activities of the community with whether each is designated in the chosen fiscal year."""
    fy = _fiscal_year_param(request)
    designated = ActivityDesignation.objects.filter(activity=OuterRef("pk"), fiscal_year=fy)
    activities = (
        Activity.objects.filter(community=request.community)
        .exclude(status=Activity.Status.ARCHIVED)
        .select_related("organizer")
        .annotate(designated=Exists(designated))
        .order_by("-designated", "-created_at", "-pk")
    )
    page = Paginator(activities, settings.ENISHI_STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    this = selectors.current_fiscal_year()
    return render(
        request,
        "residency/staff_activities.html",
        {
            "page": page,
            "fiscal_year": fy,
            "years": [this - 1, this, this + 1],
            "query": f"year={fy}",
        },
    )


@staff_required(Perm.CONFIGURE)
@require_POST
def staff_designate(request, pk: int):
    activity = get_object_or_404(Activity, pk=pk, community=request.community)
    fy = _fiscal_year_param(request)
    designated = services.activity_designate(
        activity=activity,
        fiscal_year=fy,
        designated=request.POST.get("designated") == "1",
        by=request.user,
    )
    if designated:
        message = _("「%(title)s」を%(year)s年度の指定担い手活動にしました。")
    else:
        message = _("「%(title)s」を%(year)s年度の指定担い手活動から外しました。")
    messages.success(request, message % {"title": activity.title, "year": fy})
    return redirect(f"{reverse('residency:staff_activities')}?year={fy}")


@staff_required(Perm.MEMBERS_MANAGE)
def staff_identity(request, pk: int):
    """Record that staff verified a member's identity in person (or by an external service)."""
    member = get_object_or_404(
        visible_members(request).filter(status=Member.Status.ACTIVE), pk=pk
    )
    form = IdentityCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.identity_check_record(
            member=member,
            level=form.cleaned_data["level"],
            method=form.cleaned_data["method"],
            by=request.user,
            request=request,
        )
        messages.success(request, _("本人確認を記録しました。"))
        return redirect("members:staff_detail", pk=member.pk)
    return render(
        request,
        "residency/staff_identity.html",
        {"form": form, "member": member, "checks": member.identity_checks.all()[:20]},
    )


@staff_required(Perm.MEMBERS_EXPORT)
@require_POST
def staff_export(request, fmt: str):
    """The registrations as JSON Lines or CSV (schema: docs/registrations-schema.md)."""
    if fmt not in exports.FORMATS:
        raise Http404
    consented_only = request.POST.get("all") != "1"
    members = exports.registration_members(
        members=visible_members(request), consented_only=consented_only
    )
    audit_request(
        request,
        action=AuditEvent.Action.REGISTRATION_EXPORT,
        row_count=members.count(),
        detail={"format": fmt, "consented_only": consented_only,
                "schema": exports.SCHEMA_VERSION},
    )  # fmt: skip
    rules = selectors.rules_for(request.community)
    content_type, body = exports.FORMATS[fmt](members=members, rules=rules)
    filename = f"registrations-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
