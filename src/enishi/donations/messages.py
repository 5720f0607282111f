"""An invitation to join as a mailing: rendered for one contact with their own registration
link (which fills in /join/ and merges the contact on completion) and their "no more mail"
link in place of a list's unsubscribe."""

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from enishi.activities.mails import absolute_url
from enishi.mailings.messages import CONTACT_MERGE_FIELDS, MailingRenderer

from .models import Contact

INVITATION_SALT = "enishi.donations.invitation"
OPT_OUT_SALT = "enishi.donations.opt_out"


def invitation_token(*, contact: Contact) -> str:
    return signing.dumps(contact.pk, salt=INVITATION_SALT)


def opt_out_token(*, contact: Contact) -> str:
    """Never expires: the link in an old invitation must still stop the mail."""
    return signing.dumps(contact.pk, salt=OPT_OUT_SALT)


class InvitationRenderer(MailingRenderer):
    merge_fields = CONTACT_MERGE_FIELDS

    def recipient_values(self, contact: Contact, standing=None) -> dict[str, str]:
        join_url = (
            absolute_url(self.community, reverse("join"))
            + "?invite="
            + invitation_token(contact=contact)
        )
        return {"name": contact.name or _("ご支援者"), "join_url": join_url}

    def unsubscribe_urls(self, contact: Contact) -> tuple[str, str]:
        token = opt_out_token(contact=contact)
        return (
            absolute_url(self.community, reverse("donations:opt_out", args=[token])),
            absolute_url(self.community, reverse("donations:opt_out_one_click", args=[token])),
        )
