from django.core.management.base import BaseCommand, CommandError

from enishi.privacy.models import AuditChainHead
from enishi.privacy.selectors import audit_chain_problems

PROBLEMS = {
    "edited": "内容が書き換えられています",
    "missing": "この前の行が削除されています",
    "relinked": "前の行とのつながりが一致しません",
    "tail_missing": "最新の行が削除されています（記録上の最終番号）",
}


class Command(BaseCommand):
    help = "監査ログを操作します。verify: ハッシュの連鎖を検証し、改ざん・削除を検出します。"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        checked, problems = audit_chain_problems()
        for problem in problems:
            self.stderr.write(f"#{problem.sequence}: {PROBLEMS[problem.problem]}")
        if problems:
            raise CommandError(f"監査ログの検証に失敗しました（{len(problems)}件の問題）。")
        head = AuditChainHead.objects.filter(pk=1).first()
        self.stdout.write(self.style.SUCCESS(f"監査ログは改ざんされていません（{checked}行）。"))
        if head is not None:
            # Written down elsewhere (a daily mail, the operations log), it anchors the chain.
            self.stdout.write(f"最新のハッシュ: #{head.sequence} {head.hash}")
