"""The reports as RSS 2.0 and Atom 1.0 (Django's syndication framework)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from enishi.core.markdown import render_markdown

from .selectors import published_reports


class ReportFeed(Feed):
    def get_object(self, request, *args, **kwargs):
        return request.community

    def title(self, community):
        return _("%(name)sの活動レポート") % {"name": community.name}

    def link(self, community):
        return reverse("news:list")

    def description(self, community):
        return _("%(name)sの活動レポートとお知らせ") % {"name": community.name}

    def items(self, community):
        return published_reports(community=community)[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return render_markdown(item.body)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at


class ReportAtomFeed(ReportFeed):
    feed_type = Atom1Feed

    def subtitle(self, community):
        return self.description(community)
