import re

from django.core import mail
from django.test import TestCase

VALID_JOIN = {
    "email": "hanako@example.jp",
    "password1": "ninja-in-tokyo-2026",
    "family_name": "伊賀",
    "given_name": "花子",
    "family_name_kana": "いが",
    "given_name_kana": "ﾊﾅｺ",
    "nickname": "いがぐり",
    "birth_year": "1988",
    "birth_month": "4",
    "gender": "female",
    "postal_code": "１５０－０００１",
    "prefecture_code": "13",
    "city": "渋谷区",
    "address_line": "神宮前1-1-1",
    "phone": "",
    "ties": ["birthplace", "family"],
    "tie_other": "",
    "uses": ["local_activity"],
    "skills_text": "デザインの仕事をしています。",
    "channel": "friend",
    "referral_code": "",
    "agree_terms": "on",
}


def post(client, url, data=None, **kwargs):
    """POST and run what the request left for after commit (mails are sent then), as a real
    request outside the test's transaction would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {}, **kwargs)


def join(client, **changes):
    data = {**VALID_JOIN, **changes}
    return post(client, "/join/", {k: v for k, v in data.items() if v is not None})


def confirmation_link(email: str) -> str:
    for message in reversed(mail.outbox):
        if email in message.to:
            found = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body)
            if found:
                return found.group(0).split("testserver", 1)[-1]
    raise AssertionError(f"no confirmation mail to {email}")


def register_and_verify(client, **changes):
    """Register through /join/ and verify through the mailed link, as a person would."""
    response = join(client, **changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    link = confirmation_link(changes.get("email", VALID_JOIN["email"]))
    return post(client, link)
