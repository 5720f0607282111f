import secrets

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from enishi.communities.models import Community, StaffRole
from enishi.core.models import User


class Command(BaseCommand):
    help = "職員アカウントを作成（または既存のアカウントに職員権限を付与）します。"

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--community", default="iga", help="コミュニティのslug")

    @transaction.atomic
    def handle(self, *args, email, community, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"メールアドレスの形式が正しくありません: {email}") from error
        try:
            target = Community.objects.get(slug=community)
        except Community.DoesNotExist as error:
            raise CommandError(f"コミュニティ '{community}' がありません。") from error
        user = User.objects.filter(email__iexact=email).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=email, email=email, password=password)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        StaffRole.objects.get_or_create(user=user, community=target)
        self.stdout.write(self.style.SUCCESS(f"{target.name} の職員: {user.email}"))
        if password:
            self.stdout.write(f"初期パスワード: {password}（ログイン後に変更してください）")
