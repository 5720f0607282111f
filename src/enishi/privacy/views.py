from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from enishi.communities.permissions import Perm, staff_required
from enishi.members.selectors import member_for_user

from .forms import AuditFilterForm, PolicyVersionForm
from .selectors import audit_events, policies_needing_consent
from .services import PolicyError, policy_consent_record, policy_publish
from .signals import CONSENT_NEEDED_KEY


@staff_required(Perm.AUDIT)
def staff_audit(request):
    """Community admins read the audit log: who saw, exported, changed or erased what."""
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(
        audit_events(community=request.community, filters=filters),
        settings.ENISHI_STAFF_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "privacy/staff_audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
def consent(request):
    """After a policy changed: the member reads what changed and agrees, or leaves."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("members:me")
    member = member_for_user(community=request.community, user=request.user)
    policies = policies_needing_consent(member=member) if member else []
    if not policies:
        request.session.pop(CONSENT_NEEDED_KEY, None)
        return redirect(next_url)
    if request.method == "POST":
        policy_consent_record(member=member, policies=policies)
        request.session.pop(CONSENT_NEEDED_KEY, None)
        messages.success(request, _("新しい版への同意を記録しました。"))
        return redirect(next_url)
    return render(request, "privacy/consent.html", {"policies": policies, "next": next_url})


@staff_required(Perm.CONFIGURE)
def staff_policies(request):
    """Community admins publish new versions of the terms and the privacy policy."""
    form = PolicyVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy_publish(community=request.community, by=request.user, **form.cleaned_data)
        except PolicyError as error:
            form.add_error("version", error.message)
        else:
            messages.success(request, _("新しい版を公開しました。"))
            return redirect("privacy:staff_policies")
    versions = request.community.policy_versions.select_related("published_by")
    return render(request, "privacy/staff_policies.html", {"form": form, "versions": versions})
