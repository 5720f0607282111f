from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from enishi.communities.permissions import Perm, has_perm, organizer_scope, staff_required
from enishi.core.japan import PREFECTURE_CHOICES
from enishi.core.requests import client_ip
from enishi.core.spreadsheets import excel_csv
from enishi.members.models import Member
from enishi.privacy.models import AuditEvent
from enishi.privacy.services import audit_record

from . import periods, reports, selectors
from .dashboard import (
    SECTIONS,
    Context,
    build_sections,
    context_for,
    find_table,
    member_list_link,
)
from .forms import InsightsFilterForm, ReportForm
from .periods import fiscal_year_of
from .selectors import analytic_queries
from .snapshots import Figures, NotReady, refresh_request


@staff_required(Perm.INSIGHTS)
def staff_home(request):
    """Today's figures for the staff home page, in one query."""
    week_ago = timezone.now() - timedelta(days=7)
    figures = Member.objects.filter(community=request.community).aggregate(
        members=Count("pk", filter=~Q(status=Member.Status.WITHDRAWN)),
        verified=Count("pk", filter=Q(status=Member.Status.ACTIVE)),
        new_this_week=Count("pk", filter=Q(status=Member.Status.ACTIVE, joined_at__gte=week_ago)),
        unverified=Count("pk", filter=Q(status=Member.Status.PENDING)),
        # Sign-ups erased unverified (no join date) were never members: not withdrawals.
        withdrawn=Count(
            "pk", filter=Q(status=Member.Status.WITHDRAWN, joined_at__isnull=False)
        ),
    )
    return render(request, "insights/staff_home.html", {"figures": figures})


def _params(request) -> dict:
    keys = ("period", "fiscal_year", "month", "date_from", "date_to", "organizer", "prefecture")
    return {k: request.GET[k] for k in keys if request.GET.get(k)}


def _filters(request, figures: Figures | None = None) -> tuple[InsightsFilterForm, Context]:
    return context_for(
        community=request.community, params=_params(request),
        fixed_organizer=organizer_scope(request),
        links_allowed=has_perm(request.user, request.community, Perm.MEMBERS_VIEW),
        figures=figures,
    )  # fmt: skip


def _query(request, **changes) -> str:
    params = _params(request)
    params.update({k: v for k, v in changes.items() if v is not None})
    return urlencode(params)


def _audit(request, *, what: str, ctx: Context, **detail) -> None:
    audit_record(
        actor=request.user,
        ip_address=client_ip(request),
        community=request.community,
        action=AuditEvent.Action.INSIGHTS_EXPORT,
        detail={"what": what, "period": ctx.period.label,
                "organizer": ctx.organizer.name if ctx.organizer else "", **detail},
    )  # fmt: skip


def _cached_sections(request):
    """The filter form, the context and the sections drawn from the cached figures (None while
    there are none). Missing or old figures are asked of the worker; when it has counted them
    by the time this asks again (an immediate task backend, a quick worker), they are used."""
    prefecture = request.GET.get("prefecture") or None

    def read():
        form, ctx = _filters(request, Figures(compute=False))
        try:
            return form, ctx, build_sections(ctx, prefecture)
        except NotReady:
            return form, ctx, None

    form, ctx, sections = read()
    if sections is None or ctx.figures.stale:
        scope = organizer_scope(request)
        asked = timezone.now()
        refresh_request(community_id=request.community.pk, params=_params(request),
                        organizer_id=scope.pk if scope else None)  # fmt: skip
        again = read()
        if again[2] is not None:
            form, ctx, sections = again
            # Counted after it was asked: as fresh as figures get, however short the age limit.
            ctx.figures.stale = ctx.figures.counted_at < asked
    return form, ctx, sections


@staff_required(Perm.INSIGHTS)
def dashboard(request):
    form, ctx, sections = _cached_sections(request)
    this_year = fiscal_year_of(timezone.localdate())
    report_form = ReportForm(
        initial={"fiscal_year": this_year - 1, "minimum": settings.ENISHI_OPEN_DATA_MINIMUM}
    )
    context = {
        "form": form, "ctx": ctx, "sections": sections, "query": _query(request),
        "report_form": report_form, "prefecture": request.GET.get("prefecture") or None,
        "prefecture_choices": PREFECTURE_CHOICES, "section_list": SECTIONS,
    }  # fmt: skip
    if request.htmx:
        return render(request, "insights/dashboard.html#figures", context)
    return render(request, "insights/dashboard.html", context)


def _csv_response(rows, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(excel_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required(Perm.INSIGHTS)
def table_csv(request, key: str):
    """One chart's figures as CSV, for the dashboard's current filters."""
    prefecture = request.GET.get("prefecture") or None
    # The figures the page shows, when they are there; counted now otherwise.
    _form, ctx = _filters(request, Figures(compute=False))
    try:
        table = find_table(ctx, key, prefecture=prefecture)
    except NotReady:
        _form, ctx = _filters(request)
        with analytic_queries():
            table = find_table(ctx, key, prefecture=prefecture)
    if table is None:
        return HttpResponse(status=404)
    _audit(request, what=f"csv:{key}", ctx=ctx)
    span = f"{ctx.period.first_day:%Y%m%d}-{ctx.period.last_day:%Y%m%d}"
    name = f"{ctx.community.slug}-{key}-{span}.csv"
    return _csv_response([table.headers, *table.rows], name)


def _report_context(request) -> tuple[ReportForm, Context | None]:
    form = ReportForm(request.GET)
    if not form.is_valid():
        return form, None
    period = periods.fiscal_year(form.cleaned_data["fiscal_year"])
    organizer = organizer_scope(request)
    ctx = Context(community=request.community, period=period, previous=period.previous(),
                  organizer=organizer, member_link=member_list_link(False))  # fmt: skip
    return form, ctx


def _refused(request, form):
    return render(request, "insights/report_refused.html", {"form": form}, status=400)


@staff_required(Perm.INSIGHTS)
def report(request, fmt: str):
    """The council / ministry report for a fiscal year, as XLSX or PDF."""
    form, ctx = _report_context(request)
    if ctx is None:
        return _refused(request, form)
    # Figures the dashboard counted for this year a moment ago are not counted again.
    ctx.figures = Figures(compute=True)
    with analytic_queries():
        built = reports.report_sections(ctx)
        events = selectors.events(community=ctx.community, period=ctx.period)
    _audit(request, what=f"report:{fmt}", ctx=ctx)
    name = f"{ctx.community.slug}-report-{ctx.period.fiscal_year}"
    if fmt == "xlsx":
        body = reports.report_xlsx(ctx, built, events)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = reports.report_pdf(ctx, built, events)
        content_type = "application/pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@staff_required(Perm.INSIGHTS)
def open_data(request):
    """Aggregate counts that can be published, small cells suppressed."""
    form, ctx = _report_context(request)
    if ctx is None:
        return _refused(request, form)
    minimum = form.cleaned_data.get("minimum") or settings.ENISHI_OPEN_DATA_MINIMUM
    with analytic_queries():
        rows = reports.open_data_rows(ctx, minimum)
    _audit(request, what="open_data", ctx=ctx, minimum=minimum, rows=len(rows) - 1)
    return _csv_response(rows, f"{ctx.community.slug}-opendata-{ctx.period.fiscal_year}.csv")
