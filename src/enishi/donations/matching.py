"""Who a donor is: a member, a contact, several possible people, or someone new.

Rules, in order: the same email address; the same name, kana and postal code; the same name
and address. Names compare after folding variant kanji and spaces (`core.text.name_key`),
addresses after folding 丁目/番地/号 and hyphens (`core.text.address_key`). One person found by
a rule is a confident match. Several people, or only a weak resemblance (same postal code and
either the same name or the same kana), go to staff: nothing is linked on a weak match.
"""

from dataclasses import dataclass, field

from django.db.models.functions import Lower

from enishi.core.models import User
from enishi.core.text import address_key, kana_key, name_key
from enishi.members.models import Member

from .models import Contact


@dataclass(frozen=True)
class Person:
    kind: str  # "member" or "contact"
    id: int
    email: str
    name: str
    kana: str
    postal: str
    address: str


@dataclass
class Keys:
    email: str
    name: str
    kana: str
    postal: str
    address: str


def keys_of(*, email: str, name: str, kana: str, postal: str, address: str) -> Keys:
    return Keys(email=(email or "").strip().lower(), name=name_key(name or ""),
                kana=kana_key(kana or ""), postal=postal or "",
                address=address_key(address or ""))  # fmt: skip


@dataclass
class Decision:
    person: Person | None = None  # a confident match
    candidates: list[tuple[Person, str]] = field(default_factory=list)  # for review


def _union(parts: list) -> list:
    """The rows of several querysets of the same columns, each row once."""
    if not parts:
        return []
    return list(parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0])


class Pool:
    """The people a batch of donors could be: loaded with a few queries per batch, then
    looked up in memory by each rule's key. Contacts created while matching the batch are
    added, so the same new donor twice in one file becomes one contact."""

    def __init__(self):
        self.people: list[Person] = []
        self._by: dict[str, dict[tuple, list[Person]]] = {
            "email": {}, "name_kana_postal": {}, "name_address": {}, "postal": {},
            "name_kana": {},
        }  # fmt: skip

    def _index(self, person: Person) -> None:
        keys = {
            "email": (person.email,) if person.email else None,
            "name_kana_postal": (person.name, person.kana, person.postal)
            if person.name and person.kana and person.postal else None,
            "name_address": (person.name, person.address)
            if person.name and person.address else None,
            "postal": (person.postal,) if person.postal else None,
            "name_kana": (person.name, person.kana) if person.name and person.kana else None,
        }  # fmt: skip
        for rule, key in keys.items():
            if key is not None:
                self._by[rule].setdefault(key, []).append(person)

    def add(self, person: Person) -> Person:
        self.people.append(person)
        self._index(person)
        return person

    @classmethod
    def load(cls, *, community, keys: list[Keys]) -> "Pool":
        emails = {k.email for k in keys if k.email}
        kanas = {k.kana for k in keys if k.kana}
        postals = {k.postal for k in keys if k.postal}
        names = {k.name for k in keys if k.name}
        pool = cls()
        # One indexed lookup per key, joined with UNION (an OR of them, or a join from the
        # member to its login, makes PostgreSQL and SQLite read every member or contact):
        # logins by email (lower-cased: an expression index), then their members; members by
        # postal code, kana or name, then the emails of their logins. Members are added in pk
        # order, contacts newest first (as they are listed).
        members = Member.objects.filter(community=community, status=Member.Status.ACTIVE)
        columns = ("family_name", "given_name", "family_name_kana", "given_name_kana",
                   "postal_code", "city", "address_line")  # fmt: skip
        found = {}
        logins = dict(
            User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails)
            .values_list("pk", "email_lower")
        ) if emails else {}  # fmt: skip
        if logins:
            for pk, user_id, *rest in members.filter(user_id__in=logins).values_list(
                "pk", "user_id", *columns
            ):
                found[pk] = (pk, logins[user_id], *rest)
        parts = [members.filter(**{f"{name}__in": values}).order_by()
                 .values_list("pk", "user_id", *columns)
                 for name, values in (("postal_code", postals), ("search_kana", kanas),
                                      ("search_name", names)) if values]  # fmt: skip
        others = [row for row in _union(parts) if row[0] not in found]
        their_logins = {row[1] for row in others if row[1] is not None}
        emails_of = dict(
            User.objects.filter(pk__in=their_logins).annotate(email_lower=Lower("email"))
            .values_list("pk", "email_lower")
        ) if their_logins else {}  # fmt: skip
        for pk, user_id, *rest in others:
            found[pk] = (pk, emails_of.get(user_id), *rest)
        for pk in sorted(found):
            _pk, email, family, given, family_kana, given_kana, postal, city, line = found[pk]
            pool.add(Person(
                "member", pk, email or "", name_key(family + given),
                kana_key(family_kana + given_kana), postal, address_key(f"{city}{line}"),
            ))  # fmt: skip
        contacts = Contact.objects.filter(community=community, member__isnull=True)
        parts = [contacts.filter(**{f"{name}__in": values}).order_by()
                 .values_list("pk", "email", "name_key", "kana_key", "postal_code",
                              "address_key", "created_at")
                 for name, values in (("email", emails), ("kana_key", kanas),
                                      ("postal_code", postals), ("name_key", names))
                 if values]  # fmt: skip
        for *contact, _created_at in sorted(_union(parts), key=lambda r: (r[-1], r[0]),
                                            reverse=True):  # fmt: skip
            pool.add_contact(*contact)
        return pool

    def add_contact(self, pk, email, name, kana, postal, address) -> Person:
        return self.add(Person("contact", pk, email, name, kana, postal, address))

    def decide(self, keys: Keys) -> Decision:
        def pick(found: list[Person], reason: str) -> Decision | None:
            if not found:
                return None
            members = [p for p in found if p.kind == "member"]
            if len(members) == 1:
                return Decision(person=members[0])
            if not members and len(found) == 1:
                return Decision(person=found[0])
            return Decision(candidates=[(p, reason) for p in found])

        by = self._by
        rules = []
        if keys.email:
            rules.append((by["email"].get((keys.email,), []), "email"))
        if keys.name and keys.kana and keys.postal:
            rules.append((by["name_kana_postal"].get((keys.name, keys.kana, keys.postal), []),
                          "name_kana_postal"))  # fmt: skip
        if keys.name and keys.address:
            rules.append((by["name_address"].get((keys.name, keys.address), []),
                          "name_address"))  # fmt: skip
        for found, reason in rules:
            if (decision := pick(found, reason)) is not None:
                return decision
        weak = []
        if keys.postal and (keys.name or keys.kana):
            same_place = by["postal"].get((keys.postal,), [])
            weak = [p for p in same_place
                    if (keys.name and p.name == keys.name)
                    or (keys.kana and p.kana == keys.kana)]  # fmt: skip
        if not weak and keys.name and keys.kana:
            weak = list(by["name_kana"].get((keys.name, keys.kana), []))
        return Decision(candidates=[(p, "weak") for p in weak])
