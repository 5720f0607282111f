"""Staff pages for ふるさと納税 (/staff/donations/…, /staff/contacts/…) and a contact's
"no more information" page."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from enishi.communities.permissions import Perm, has_perm, staff_required
from enishi.core.import_views import ImportPages
from enishi.core.spreadsheets import excel_csv
from enishi.mailings.models import Mailing, Segment
from enishi.privacy.models import AuditEvent
from enishi.privacy.services import audit_request

from . import selectors, services
from .forms import ContactForm, ContactSearchForm, FiscalYearForm
from .importer import DonationImporter
from .models import Contact, Donation
from .tasks import import_donations

SEARCH_SESSION_KEY = "donations_contact_q"

IMPORT_PAGES = ImportPages(
    namespace="donations",
    importer=DonationImporter,
    permission=Perm.DONATIONS,
    task=import_donations,
    nav_template="donations/staff/_nav.html",
    title=gettext_lazy("寄附データの取り込み"),
    intro=gettext_lazy(
        "ふるさと納税ポータルから書き出したファイルを選んでください。次の画面で列と項目の対応を"
        "確かめてから取り込みます。同じファイルや期間の重なるファイルを取り込んでも、同じ寄附が"
        "二重に登録されることはありません。"
    ),
    file_label=gettext_lazy("寄附データのファイル"),
    file_help=gettext_lazy(
        "ポータルから書き出した CSV（UTF-8 または Shift_JIS）または Excel（.xlsx）。"
    ),
    result_links="donations/staff/_import_links.html",
)


def _year(request) -> int:
    form = FiscalYearForm(request.GET)
    if form.is_valid() and form.cleaned_data["year"]:
        return form.cleaned_data["year"]
    return selectors.fiscal_year_of(timezone.localdate())


@staff_required(Perm.DONATIONS)
def donation_list(request):
    year = _year(request)
    start, end = selectors.fiscal_year_bounds(year)
    donations = Donation.objects.filter(
        community=request.community, donated_on__gte=start, donated_on__lt=end
    ).select_related("member", "contact")
    page = Paginator(donations, settings.ENISHI_STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    audit_request(request, action=AuditEvent.Action.DONATION_LIST, row_count=len(page),
                  detail={"year": year, "page": page.number})  # fmt: skip
    return render(request, "donations/staff/donation_list.html", {
        "year": year, "years": range(selectors.fiscal_year_of(timezone.localdate()), 2014, -1),
        "totals": selectors.donation_totals(community=request.community, year=year),
        "page": page, "query": f"year={year}",
        "open_reviews": selectors.open_reviews(community=request.community).count(),
    })  # fmt: skip


@staff_required(Perm.DONATIONS)
@require_POST
def donation_export(request):
    year = _year(request)
    start, end = selectors.fiscal_year_bounds(year)
    donations = (
        Donation.objects.filter(
            community=request.community, donated_on__gte=start, donated_on__lt=end
        )
        .select_related("member")
        .order_by("donated_on", "pk")
    )
    audit_request(request, action=AuditEvent.Action.DONATION_EXPORT,
                  row_count=donations.count(), detail={"year": year})  # fmt: skip
    header = [_("寄附日"), _("金額（円）"), _("ポータル"), _("受付番号"), _("返礼品"), _("氏名"),
              _("フリガナ"), _("郵便番号"), _("住所"), _("紐付け"), _("会員番号")]  # fmt: skip

    def rows():
        yield header
        for d in donations.iterator(chunk_size=2000):
            yield [d.donated_on.isoformat(), d.amount, d.portal, d.receipt_number, d.gift,
                   d.name, d.name_kana, d.postal_code, d.address, d.get_match_display(),
                   d.member.number if d.member else ""]  # fmt: skip

    response = StreamingHttpResponse(excel_csv(rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="donations-{year}.csv"'
    return response


@staff_required(Perm.DONATIONS)
def review_list(request):
    reviews = selectors.open_reviews(community=request.community).select_related("donation")
    page = Paginator(reviews, 20).get_page(request.GET.get("page"))
    found = selectors.review_candidates(list(page))
    items = [
        (review, [(f"{c['kind']}:{c['id']}", found.get((c["kind"], c["id"])), c)
                  for c in review.candidates])
        for review in page
    ]  # fmt: skip
    audit_request(request, action=AuditEvent.Action.MATCH_REVIEW_LIST, row_count=len(page),
                  detail={"page": page.number})  # fmt: skip
    return render(request, "donations/staff/review_list.html", {"page": page, "items": items})


@staff_required(Perm.DONATIONS)
@require_POST
def review_decide(request, pk: int):
    review = get_object_or_404(selectors.open_reviews(community=request.community), pk=pk)
    try:
        services.review_decide(review=review, choice=request.POST.get("choice", ""),
                               by=request.user)  # fmt: skip
    except ValueError:
        messages.error(request, _("候補から選んでください。"))
    else:
        messages.success(request, _("確認しました。"))
    return redirect("donations:review_list")


@staff_required(Perm.DONATIONS)
def contact_list(request):
    if request.method == "POST":
        request.session[SEARCH_SESSION_KEY] = request.POST.get("q", "")[:100]
        return redirect("donations:contact_list")
    if "clear" in request.GET:
        request.session.pop(SEARCH_SESSION_KEY, None)
        return redirect("donations:contact_list")
    q = request.session.get(SEARCH_SESSION_KEY, "")
    contacts = selectors.contact_search(community=request.community, q=q)
    page = Paginator(contacts, settings.ENISHI_STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    audit_request(request, action=AuditEvent.Action.CONTACT_LIST, row_count=len(page),
                  detail={"page": page.number, "searched": bool(q)})  # fmt: skip
    return render(request, "donations/staff/contact_list.html", {
        "form": ContactSearchForm(initial={"q": q}), "page": page, "searched": bool(q),
        "invite": selectors.invitation_counts(community=request.community),
    })  # fmt: skip


@staff_required(Perm.DONATIONS)
def contact_create(request):
    form = ContactForm(request.POST or None, community=request.community)
    if request.method == "POST" and form.is_valid():
        contact = services.contact_add(community=request.community, data=form.cleaned_data)
        messages.success(request, _("連絡先を登録しました。"))
        return redirect("donations:contact_detail", pk=contact.pk)
    return render(request, "donations/staff/contact_form.html", {"form": form},
                  status=400 if form.errors else 200)  # fmt: skip


@staff_required(Perm.DONATIONS)
def contact_detail(request, pk: int):
    contact = get_object_or_404(
        Contact.objects.filter(community=request.community).select_related("member"), pk=pk
    )
    audit_request(request, action=AuditEvent.Action.CONTACT_VIEW, row_count=1,
                  detail={"contact": contact.pk})  # fmt: skip
    return render(request, "donations/staff/contact_detail.html", {
        "contact": contact, "donations": contact.donations.order_by("-donated_on", "-pk")[:100],
        "invited": hasattr(contact, "invitation"),
        "attendances": contact.attendances.select_related("session__activity")
        .order_by("-session__starts_at")[:100],
    })  # fmt: skip


@staff_required(Perm.DONATIONS)
def contact_invite(request):
    """Who an invitation would reach and who is left out, and why. POST makes the invitation
    as a draft mailing (sending it is the mailings' work: preview, test, schedule, retries)."""
    counts = selectors.invitation_counts(community=request.community)
    can_mail = has_perm(request.user, request.community, Perm.MAILINGS)
    if request.method == "POST":
        if not can_mail:
            raise PermissionDenied
        mailing = services.invitation_draft(community=request.community, by=request.user)
        messages.success(
            request, _("招待メールの下書きを作りました。プレビューで確かめてから送信してください。")
        )
        return redirect("mailings:mailing_detail", mailing.pk)
    invitations = Mailing.objects.filter(
        community=request.community, segment__audience=Segment.Audience.CONTACTS
    ).select_related("segment")[:20]
    return render(request, "donations/staff/contact_invite.html",
                  {"counts": counts, "can_mail": can_mail, "invitations": invitations})  # fmt: skip


def _opt_out_contact(token: str) -> Contact:
    contact = services.opt_out_contact(token=token)
    if contact is None:
        raise Http404
    return contact


def opt_out(request, token: str):
    """A contact's "no more information" link: GET asks, POST records the answer."""
    contact = _opt_out_contact(token)
    done = False
    if request.method == "POST":
        services.contact_opt_out(contact=contact)
        done = True
    return render(request, "donations/opt_out.html", {"done": done})


@csrf_exempt  # RFC 8058: the mail client POSTs without a page, cookie or token of ours
@require_POST
def opt_out_one_click(request, token: str):
    services.contact_opt_out(contact=_opt_out_contact(token))
    return HttpResponse(_("配信を停止しました。"), content_type="text/plain; charset=utf-8")
