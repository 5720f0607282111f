from django.contrib import messages
from django.forms import modelformset_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enishi.members.models import Use
from enishi.members.selectors import active_member_count

from .models import Tag
from .permissions import staff_required

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


TagFormSet = modelformset_factory(
    Tag, fields=["name", "position", "is_active"], extra=3, max_num=200, validate_max=True
)


@staff_required
def staff_tags(request, kind: str):
    """Staff edit the topic and skill words members choose from."""
    if kind not in Tag.Kind.values:
        raise Http404
    kind = Tag.Kind(kind)
    queryset = request.community.tags.filter(kind=kind)
    if request.method == "POST":
        formset = TagFormSet(request.POST, queryset=queryset)
        if formset.is_valid():
            names = [
                f.cleaned_data["name"]
                for f in formset.forms
                if f.cleaned_data and f.cleaned_data.get("name")
            ]
            if len(names) != len(set(names)):
                formset._non_form_errors = formset.error_class(
                    [gettext("同じ名前が重複しています。")]
                )
            else:
                for tag in formset.save(commit=False):
                    tag.community = request.community
                    tag.kind = kind
                    tag.save()
                messages.success(request, gettext("選択肢を保存しました。"))
                return redirect("communities:staff_tags", kind=kind.value)
    else:
        formset = TagFormSet(queryset=queryset)
    return render(request, "communities/staff_tags.html", {"formset": formset, "kind": kind})
