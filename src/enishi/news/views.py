from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enishi.communities.permissions import Perm, has_perm, staff_required
from enishi.core.markdown import render_markdown
from enishi.core.photos import PhotoError

from . import services
from .forms import PhotoForm, ReportForm
from .models import Report, ReportPhoto
from .selectors import published_reports, related_activities


def report_list(request):
    page = Paginator(published_reports(community=request.community), 12).get_page(
        request.GET.get("page")
    )
    return render(request, "news/list.html", {"page": page})


def share_links(url: str, title: str) -> list[tuple[str, str]]:
    """Plain share links (no third-party script runs on the page)."""
    u, t = quote(url, safe=""), quote(title, safe="")
    return [
        ("X", f"https://x.com/intent/post?text={t}&url={u}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("LINE", f"https://social-plugins.line.me/lineit/share?url={u}"),
        (_("はてなブックマーク"), f"https://b.hatena.ne.jp/entry/panel/?url={u}"),
    ]


def report_detail(request, pk: int):
    report = get_object_or_404(
        Report.objects.select_related("activity").prefetch_related("photos"),
        community=request.community,
        pk=pk,
    )
    if not report.is_published and not has_perm(request.user, request.community, Perm.CONTENT):
        raise Http404(_("この記事は見つかりませんでした。"))
    url = request.build_absolute_uri(report.get_absolute_url())
    photos = list(report.photos.all())
    image = (
        request.build_absolute_uri(photos[0].image.url)
        if photos
        else request.build_absolute_uri(static(request.community.logo or "enishi/img/logo.svg"))
    )
    return render(
        request,
        "news/detail.html",
        {
            "report": report,
            "body": render_markdown(report.body),
            "photos": photos,
            "og": {"url": url, "image": image, "has_photo": bool(photos)},
            "share_links": share_links(url, f"{report.title} | {request.community.name}"),
            "related": related_activities(report=report),
        },
    )


# --- staff ----------------------------------------------------------------------------------


@staff_required(Perm.CONTENT)
def staff_reports(request):
    reports = Report.objects.filter(community=request.community).order_by(
        "status", "-published_at", "-pk"
    )
    page = Paginator(reports, 50).get_page(request.GET.get("page"))
    return render(request, "news/staff_list.html", {"page": page})


@staff_required(Perm.CONTENT)
def staff_report_edit(request, pk: int | None = None):
    report = (
        get_object_or_404(Report, community=request.community, pk=pk)
        if pk is not None
        else Report(community=request.community)
    )
    form = ReportForm(request.POST or None, instance=report, community=request.community)
    if request.method == "POST" and form.is_valid():
        report = services.report_save(
            community=request.community, report=form.save(commit=False), by=request.user
        )
        messages.success(request, _("記事を保存しました。"))
        return redirect("news:staff_edit", pk=report.pk)
    return render(
        request,
        "news/staff_form.html",
        {
            "form": form,
            "report": report,
            "photo_form": PhotoForm() if report.pk else None,
            "photo_max_mb": settings.ENISHI_PHOTO_MAX_BYTES // 2**20,
        },
    )


@staff_required(Perm.CONTENT)
def staff_photo_add(request, pk: int):
    report = get_object_or_404(Report, community=request.community, pk=pk)
    if request.method != "POST":
        return redirect("news:staff_edit", pk=report.pk)
    photo_form = PhotoForm(request.POST, request.FILES)
    if photo_form.is_valid():
        try:
            services.report_photo_add(
                report=report,
                upload=photo_form.cleaned_data["image"],
                alt=photo_form.cleaned_data["alt"],
            )
        except PhotoError as error:
            photo_form.add_error("image", str(error))
        else:
            messages.success(request, _("写真を追加しました。"))
            return redirect("news:staff_edit", pk=report.pk)
    form = ReportForm(instance=report, community=request.community)
    return render(
        request,
        "news/staff_form.html",
        {"form": form, "report": report, "photo_form": photo_form},
        status=400,
    )


@staff_required(Perm.CONTENT)
@require_POST
def staff_photo_delete(request, pk: int, photo_pk: int):
    photo = get_object_or_404(
        ReportPhoto, report__community=request.community, report_id=pk, pk=photo_pk
    )
    services.report_photo_delete(photo=photo)
    messages.success(request, _("写真を削除しました。"))
    return redirect("news:staff_edit", pk=pk)
