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
        parser.add_argument(
            "--role",
            default=StaffRole.Role.ADMIN,
            choices=StaffRole.Role.values,
            help="役割（admin: 管理者, organizer: 主催団体の職員, viewer: 閲覧者, shop: 協力店）",
        )
        parser.add_argument("--organizer", help="主催団体の名称（--role organizer のとき）")

    @transaction.atomic
    def handle(self, *args, email, community, role, organizer, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"メールアドレスの形式が正しくありません: {email}") from error
        try:
            target = Community.objects.get(slug=community)
        except Community.DoesNotExist as error:
            raise CommandError(f"コミュニティ '{community}' がありません。") from error
        organizer_row = None
        if role == StaffRole.Role.ORGANIZER:
            organizer_row = target.organizers.filter(name=organizer or "").first()
            if organizer_row is None:
                names = "、".join(target.organizers.values_list("name", flat=True))
                raise CommandError(f"--organizer に主催団体の名称を指定してください（{names}）。")
        user = User.objects.filter(email__iexact=email).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=email, email=email, password=password)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        staff, _created = StaffRole.objects.update_or_create(
            user=user, community=target, defaults={"role": role, "organizer": organizer_row}
        )
        self.stdout.write(
            self.style.SUCCESS(f"{target.name} の職員: {user.email}（{staff.get_role_display()}）")
        )
        if password:
            self.stdout.write(f"初期パスワード: {password}（ログイン後に変更してください）")
