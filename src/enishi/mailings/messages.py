"""Turning a mailing into one member's mail: merge fields, the plain-text and HTML parts, the
footer and the List-Unsubscribe headers (RFC 2369 and the one-click POST of RFC 8058)."""

import email.policy
import secrets
import string
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enishi.activities.mails import absolute_url
from enishi.core.markdown import render_markdown
from enishi.members.models import Member

from .models import MailTopic

UNSUBSCRIBE_SALT = "enishi.mailings.unsubscribe"

MERGE_FIELDS = {
    "nickname": gettext_lazy("ニックネーム（なければ名）"),
    "member_number": gettext_lazy("会員番号"),
    "rank": gettext_lazy("ランク"),
    "points": gettext_lazy("ポイント"),
    "activity_title": gettext_lazy("おすすめの活動の名前"),
    "activity_url": gettext_lazy("おすすめの活動のページ"),
    "recommended_activities": gettext_lazy("その人に合う活動3件と理由（自動送信）"),
    "mypage_url": gettext_lazy("マイページ"),
}
# An invitation to join (a mailing to contacts): what a contact has, and their own link.
CONTACT_MERGE_FIELDS = {
    "name": gettext_lazy("氏名（寄附のときの名前）"),
    "join_url": gettext_lazy("その人専用の登録リンク（入力欄に情報が入ります）"),
    "activity_title": MERGE_FIELDS["activity_title"],
    "activity_url": MERGE_FIELDS["activity_url"],
}
STANDING_FIELDS = {"rank", "points"}
ACTIVITY_FIELDS = {"activity_title", "activity_url"}


def merge_errors(
    text: str, *, has_activity: bool = True, journey: bool = False, contacts: bool = False
) -> list[str]:
    """What is wrong with the merge fields of `text`, in words staff understand; [] if fine.
    Checked when a mailing is saved and previewed, so a broken field never reaches sending.
    `contacts`: an invitation, whose fields are the contact's (CONTACT_MERGE_FIELDS)."""
    fields = CONTACT_MERGE_FIELDS if contacts else MERGE_FIELDS
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return [
            _(
                "「{」と「}」の対応が取れていません。"
                "波括弧そのものを書くときは {{ と }} と書きます。"
            )
        ]
    errors = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in fields or spec or conversion:
            errors.append(_("差し込み項目 {%(field)s} はありません。") % {"field": field})
        elif field in ACTIVITY_FIELDS and not has_activity:
            errors.append(
                _("{%(field)s} を使うときは「おすすめの活動」を選んでください。") % {"field": field}
            )
        elif field == "recommended_activities" and not journey:
            errors.append(_("{recommended_activities} は自動送信でだけ使えます。"))
    return errors


def invitation_link_missing() -> str:
    return _("招待のメールには、その人専用の登録リンク {join_url} を入れてください。")


def merge_fields_used(*texts: str) -> set[str]:
    used = set()
    for text in texts:
        used |= {field for _l, field, _s, _c in string.Formatter().parse(text) if field}
    return used


def unsubscribe_token(*, member: Member, topic: MailTopic) -> str:
    """A signed token naming one member and one list; it never expires, as an unsubscribe
    link in an old mail must still work."""
    return signing.dumps([member.pk, topic.pk], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[int, int] | None:
    try:
        member_id, topic_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return int(member_id), int(topic_id)


class MailingMessage(EmailMultiAlternatives):
    """Header lines may be as long as RFC 5322 allows (998), so the List-Unsubscribe URL
    stays one plain line: folded at 78 it would be turned into encoded words that mail
    clients do not read as a URL."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


@dataclass
class Value:
    text: str
    html: str


class MailingRenderer:
    """Renders one mailing for many members. The Markdown is turned into HTML once, with each
    merge field as a placeholder that is then replaced by the member's value (escaped), so a
    nickname can never inject markup and 100,000 mails do not mean 100,000 Markdown runs.
    Subclasses render for other recipients (`merge_fields`, `values`, `unsubscribe_urls`)."""

    merge_fields = MERGE_FIELDS

    def __init__(self, *, community, topic: MailTopic | None, subject: str, body: str,
                 activity=None):  # fmt: skip
        self.community = community
        self.topic = topic
        self.subject = subject
        self.body = body
        self.activity = activity
        self.used = merge_fields_used(subject, body)
        self.needs_standing = bool(self.used & STANDING_FIELDS)
        self._marker = "zq" + secrets.token_hex(6)
        # Letters and digits only, so Markdown leaves the placeholders as they are.
        self._placeholders = {
            f: f"{self._marker}x{i}x{self._marker}" for i, f in enumerate(self.merge_fields)
        }
        placeholders = self._placeholders
        self._body_html = str(render_markdown(body.format_map(placeholders)))
        self.from_email = settings.DEFAULT_FROM_EMAIL
        self.mypage_url = absolute_url(community, reverse("members:me"))
        self.preferences_url = absolute_url(community, reverse("members:mail"))
        if activity is not None:
            self.activity_url = absolute_url(
                community, reverse("activities:detail", args=[activity.pk])
            )

    def recipient_values(self, member: Member, standing=None) -> dict[str, str]:
        """The merge fields that are the recipient's own (plain text)."""
        values = {
            "nickname": member.display_name,
            "member_number": member.number or "",
            "mypage_url": self.mypage_url,
        }
        if standing is not None:
            values["rank"] = standing.rank.name if standing.rank else _("（なし）")
            values["points"] = str(standing.points)
        return values

    def values(self, recipient, standing=None, recommended=()) -> dict[str, Value]:
        values = self.recipient_values(recipient, standing)
        if self.activity is not None:
            values["activity_title"] = self.activity.title
            values["activity_url"] = self.activity_url
        merged = {k: Value(text=v, html=escape(v)) for k, v in values.items()}
        if "recommended_activities" in self.used:
            urls = [
                (a.title, absolute_url(self.community, reverse("activities:detail", args=[a.pk])),
                 getattr(a, "recommendation_reason", ""))
                for a in recommended
            ]  # fmt: skip
            text = "\n".join(
                f"・{title}\n  {reason}\n  {url}" if reason else f"・{title}\n  {url}"
                for title, url, reason in urls
            )
            html = format_html(
                "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a><br>{}</li>',
                                                ((u, t, r) for t, u, r in urls))
            ) if urls else ""  # fmt: skip
            merged["recommended_activities"] = Value(text=text, html=str(html))
        # A field whose data went away since the draft was checked (the activity was deleted)
        # is left empty rather than failing the mail.
        for field in self.used - merged.keys():
            merged[field] = Value(text="", html="")
        return merged

    def unsubscribe_urls(self, member: Member) -> tuple[str, str]:
        """The footer's page for leaving the list, and the one-click POST of RFC 8058."""
        token = unsubscribe_token(member=member, topic=self.topic)
        return (
            absolute_url(self.community, reverse("mailings:unsubscribe", args=[token])),
            absolute_url(self.community, reverse("mailings:unsubscribe_one_click", args=[token])),
        )

    def render(self, recipient, *, standing=None, recommended=(), message_id: str = ""):
        """The recipient's mail: subject, text, html (the whole document), content (the part
        inside <body>, for the preview page) and headers."""
        values = self.values(recipient, standing, recommended)
        text_values = {k: v.text for k, v in values.items()}
        subject = self.subject.format_map(text_values)
        body = self.body.format_map(text_values)
        html_body = self._body_html
        for field, value in values.items():
            html_body = html_body.replace(self._placeholders[field], value.html)
        unsubscribe_url, one_click_url = self.unsubscribe_urls(recipient)
        context = {
            "community": self.community,
            "topic": self.topic,
            "subject": subject,
            "body": body,
            "body_html": html_body,
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": self.preferences_url,
        }
        text = render_to_string("mailings/email/message.txt", context)
        content = render_to_string("mailings/email/_content.html", context)
        html = render_to_string("mailings/email/message.html", {**context, "content": content})
        headers = {
            "List-Unsubscribe": f"<{one_click_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        if message_id:
            headers["Message-ID"] = message_id
        return {"subject": subject, "text": text, "html": html, "content": content,
                "headers": headers}  # fmt: skip

    def message(self, recipient, email: str, **kwargs) -> EmailMultiAlternatives:
        mail = self.render(recipient, **kwargs)
        message = MailingMessage(
            subject=mail["subject"], body=mail["text"], from_email=self.from_email, to=[email],
            headers=mail["headers"],
        )  # fmt: skip
        message.attach_alternative(mail["html"], "text/html")
        return message


def renderer_for(mailing) -> MailingRenderer:
    renderer = MailingRenderer
    if mailing.for_contacts:
        from enishi.donations.messages import InvitationRenderer as renderer
    return renderer(
        community=mailing.community,
        topic=mailing.topic,
        subject=mailing.subject,
        body=mailing.body,
        activity=mailing.activity,
    )
