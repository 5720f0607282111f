"""Demo activities for 伊賀衆: past ones with their applicants and attendance in the ledger,
and upcoming ones open for applications, so that every screen has something to show.

Activity n depends only on the seed, n and the members already there (its applicants are
drawn from them), with dates relative to today. Rows are written with bulk_create, as the
services would have left them (status, events, lottery draws, one ledger entry per attended
session); no mail is sent.
"""

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from enishi.communities.models import Community, Organizer, Tag
from enishi.ledger.models import Engagement, PointsRule
from enishi.ledger.selectors import ATTENDANCE
from enishi.members.models import Member, Use

from .models import (
    Activity,
    ActivitySession,
    Application,
    ApplicationEvent,
    ApplicationQuestion,
    LotteryDraw,
)
from .services import lottery_result

Kind = ApplicationQuestion.Kind
Selection = Activity.Selection
Status = Application.Status
PlaceKind = Activity.PlaceKind
City = Activity.City

CHUNK = 250  # activities written per round of bulk_create
FUTURE = (3, 150)  # upcoming activities start this many days from today
FUTURE_ANYTIME = (20, 90)  # and ongoing projects end this many days from today
PROMOTED = "キャンセル待ちから繰り上げ"  # the messages the services record
DRAWN = "抽選の結果"
NOT_CHOSEN = (
    "今回は応募が多く、経験のある方を優先させていただきました。またの応募をお待ちしています。"
)
FALLBACK_ORGANIZER = "{community} 事務局"


@dataclass(frozen=True)
class Place:
    kind: str
    name: str
    address: str = ""
    city: str = ""


@dataclass(frozen=True)
class Question:
    text: str
    kind: str = Kind.TEXT
    choices: tuple[str, ...] = ()
    required: bool = False
    answers: tuple[str, ...] = ()  # what applicants write to a text question


@dataclass(frozen=True)
class Template:
    titles: tuple[str, ...]
    use: str
    body: str
    place: Place
    organizer: int  # index into the community's organizers (by pk)
    selection: str = Selection.FIRST_COME
    capacity: int | None = 20
    waitlist: bool = True
    fee: int = 0
    points: int | None = None
    sessions: int = 1
    gap_days: int = 7
    start: time = time(10)
    hours: float = 3
    anytime: bool = False
    weekend: bool = True
    months: tuple[int, ...] = ()
    topics: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    questions: tuple[Question, ...] = ()
    demand: float = 1.0  # applicants per place
    # The first time a template is used (n ≤ len(CATALOGUE)) it shows one situation on purpose:
    # "past", "open", "full" (a waiting list), "lottery_closed" (window closed, not drawn),
    # "screening_pending" (applicants waiting for staff) or "draft".
    first: str = ""
    demo: str = ""  # what the demo member does there: "attended" or "accepted"


CITY_HALL = Place(PlaceKind.IGA, "伊賀市役所（集合）", "三重県伊賀市四十九町3184")
SHIMAGAHARA = Place(PlaceKind.IGA, "島ヶ原の田んぼ（集合：JR島ケ原駅）", "三重県伊賀市島ヶ原")
UENO = Place(PlaceKind.IGA, "伊賀上野の城下町（集合：伊賀鉄道 上野市駅）", "三重県伊賀市上野丸之内")
NAGOYA = Place(PlaceKind.CITY, "名古屋駅前の貸会議室", "愛知県名古屋市中村区名駅", City.NAGOYA)
ONLINE = Place(PlaceKind.ONLINE, "オンライン（Zoom）")

CATALOGUE: tuple[Template, ...] = (
    Template(
        titles=("田植え体験", "棚田の田植え体験（親子歓迎）", "手植えで田植え体験"),
        use=Use.LOCAL_ACTIVITY,
        organizer=2,
        place=SHIMAGAHARA,
        capacity=20,
        fee=1000,
        start=time(9),
        hours=4,
        months=(5, 6),
        topics=("農業", "自然・環境"),
        skills=("農業",),
        questions=(
            Question(
                "参加人数（ご本人を含む）",
                Kind.CHOICE,
                ("1人", "2人", "3人", "4人以上"),
                required=True,
            ),
            Question(
                "アレルギーなど、昼食で気をつけることがあれば教えてください",
                answers=("特にありません", "そばアレルギーがあります", "子どもが卵アレルギーです"),
            ),
        ),
        demand=1.2,
        first="past",
        demo="attended",
        body="""伊賀米の田んぼで、昔ながらの手植えを体験します。地元の農家さんが苗の持ち方から教えてくれるので、はじめての方も安心です。

## 当日の流れ
- 9:00 JR島ケ原駅に集合、田んぼまで歩いて移動
- 9:30 田植え（休憩をはさみながら2時間ほど）
- 12:00 地元のお母さんたちの手づくり昼食
- 13:00 解散

## 持ち物
- 汚れてもよい服装、着替え、タオル
- 長靴または田植え用の足袋（貸し出しもあります）
- 飲み物、帽子

秋には同じ田んぼで稲刈りも予定しています。収穫したお米は参加者にお送りします。""",
    ),
    Template(
        titles=(
            "伊賀焼の窯出し見学",
            "登り窯の窯出し見学と作家さんのお話",
            "伊賀焼の窯出し見学（冬の窯）",
        ),
        use=Use.VISIT,
        organizer=1,
        place=Place(PlaceKind.IGA, "伊賀焼伝統産業会館（集合）", "三重県伊賀市丸柱169-2"),
        capacity=15,
        fee=500,
        start=time(13, 30),
        hours=2.5,
        topics=("伊賀焼", "歴史・文化"),
        demand=1.6,
        first="full",
        body="""焼き上がったばかりの器が窯から出てくる瞬間に立ち会います。丸柱の窯元で、薪窯で焼く伊賀焼ならではのビードロ（自然釉）や焦げの景色を、作家さんの解説つきで間近に見られます。

## 内容
- 伊賀焼伝統産業会館に集合し、窯元まで歩いて移動
- 窯出しの見学（窯の中は熱いため、窯の外からの見学です）
- 作家さんを囲んでお茶の時間

窯出しは焼き上がりの具合で時間が前後することがあります。気に入った器はその場で購入することもできます。""",
    ),
    Template(
        titles=("東京での伊賀衆交流会", "伊賀衆 東京交流会（新年会）", "伊賀衆 東京交流会（夏）"),
        use=Use.KNOWLEDGE,
        organizer=0,
        place=Place(
            PlaceKind.CITY, "三重テラス（日本橋）", "東京都中央区日本橋室町2-4-1", City.TOKYO
        ),
        capacity=40,
        fee=3000,
        start=time(18, 30),
        hours=2.5,
        weekend=False,
        topics=("食・酒", "移住"),
        questions=(
            Question("懇親会（伊賀の地酒と料理）にも参加しますか", Kind.YES_NO, required=True),
            Question(
                "伊賀とのつながり（出身、ゆかりなど）を一言どうぞ",
                answers=(
                    "上野高校の卒業生です",
                    "祖父母が伊賀に住んでいます",
                    "忍者が好きで何度も旅行しています",
                    "仕事で伊賀に通っていました",
                ),
            ),
        ),
        first="past",
        demo="attended",
        body="""首都圏に住む伊賀ゆかりの人が集まる交流会です。市の担当者から伊賀の「いま」をお伝えし、参加者どうしで伊賀の思い出や、これからの関わり方を話し合います。

## 内容
- 伊賀市からの近況報告（移住・観光・ふるさと納税）
- 伊賀のために「できること」を出し合うテーブルトーク（市への提案として持ち帰ります）
- 伊賀の地酒と伊賀牛のおつまみを囲む懇親会（希望者）

伊賀出身の方も、伊賀に行ったことがない方も歓迎です。おひとりでもお気軽にどうぞ。""",
    ),
    Template(
        titles=(
            "観光計画ワークショップ（オンライン）",
            "インバウンド観光を考えるワークショップ（オンライン）",
        ),
        use=Use.KNOWLEDGE,
        organizer=1,
        place=ONLINE,
        selection=Selection.SCREENING,
        capacity=12,
        points=40,
        start=time(19, 30),
        hours=2,
        weekend=False,
        topics=("観光", "IT"),
        skills=("マーケティング・広報", "英語"),
        questions=(
            Question(
                "観光・まちづくり・マーケティングなどの経験を教えてください",
                required=True,
                answers=(
                    "旅行会社で10年、国内ツアーの企画をしていました。",
                    "観光地のウェブサイトの運営をしています。",
                    "経験はありませんが、年に数回伊賀を旅行しています。",
                    "自治体の観光計画の策定に関わったことがあります。",
                ),
            ),
            Question(
                "特に関心のあるテーマ",
                Kind.CHOICE,
                ("忍者・歴史", "伊賀焼・伝統工芸", "食・酒", "自然・アウトドア", "インバウンド"),
                required=True,
            ),
            Question(
                "ワークショップで出た意見を市の計画づくりに使うことに同意しますか",
                Kind.YES_NO,
                required=True,
            ),
        ),
        demand=2.0,
        first="past",
        demo="attended",
        body="""伊賀市の次期観光振興計画づくりに、市外の目線を貸してください。観光やマーケティングに関わる方、旅好きの方と、伊賀の観光の強みと課題を一緒に考えます。

## 進め方
- 事前に資料（観光客の動向データ）をお送りします
- 当日は少人数のグループに分かれて話し合います
- 出たアイデアは市の計画に反映し、結果をご報告します

少人数で深く話し合うため、応募内容をもとに選考させていただきます。""",
    ),
    Template(
        titles=("実家暮らし体験ツアー2日間", "伊賀の古民家で実家暮らし体験ツアー（1泊2日）"),
        use=Use.MIGRATION_TRIAL,
        organizer=0,
        place=Place(
            PlaceKind.IGA, "伊賀市内の古民家（集合：伊賀鉄道 上野市駅）", "三重県伊賀市上野丸之内"
        ),
        selection=Selection.LOTTERY,
        capacity=8,
        fee=5000,
        hours=29,
        topics=("移住", "子育て"),
        questions=(
            Question("小学生以下のお子さまを連れて参加しますか", Kind.YES_NO, required=True),
            Question(
                "移住を考えている時期",
                Kind.CHOICE,
                ("1年以内", "2〜3年のうちに", "いつかは", "まだ考えていない"),
                required=True,
            ),
            Question(
                "体験したいこと・知りたいことがあれば教えてください",
                answers=(
                    "子育ての環境を知りたいです",
                    "畑仕事をしてみたいです",
                    "リモートワークの通信環境が気になります",
                ),
            ),
        ),
        demand=2.5,
        first="lottery_closed",
        body="""「田舎の実家に帰ってきた」ような2日間。古民家に泊まり、地域の人と一緒に朝ごはんをつくり、畑仕事や買い物など、伊賀の普段の暮らしを体験します。

## 日程
- 1日目：上野市駅に集合 → 古民家へ → 畑仕事と夕食づくり → 地域の人との夕食会
- 2日目：朝ごはん → 先輩移住者の家を訪問 → 空き家・仕事の相談会 → 15:00 解散

参加費には宿泊と食事（3食）を含みます。移住の予定がなくても参加できます。
定員を超えた場合は、受付締切後に抽選します。""",
    ),
    Template(
        titles=("忍者フェスタの運営ボランティア", "伊賀上野NINJAフェスタ 運営ボランティア"),
        use=Use.LOCAL_ACTIVITY,
        organizer=1,
        place=Place(
            PlaceKind.IGA, "上野公園（伊賀流忍者博物館前に集合）", "三重県伊賀市上野丸之内117"
        ),
        capacity=30,
        sessions=2,
        gap_days=1,
        start=time(8, 30),
        hours=8,
        months=(4, 5),
        topics=("忍者", "観光"),
        skills=("イベント運営", "英語"),
        questions=(
            Question(
                "希望の持ち場",
                Kind.CHOICE,
                ("受付・案内", "手裏剣打ち体験の補助", "外国人観光客の案内", "会場の清掃"),
                required=True,
            ),
            Question("お弁当（無料）は必要ですか", Kind.YES_NO, required=True),
        ),
        first="past",
        demo="attended",
        body="""春の伊賀上野は、忍者姿の人でまちがいっぱいになります。フェスタを支える運営ボランティアを募集します。忍者装束の貸し出しもあります。

## お願いすること
- 会場の受付・道案内
- 手裏剣打ち体験の補助
- 外国人観光客の案内（英語ができる方は大歓迎）
- 会場の清掃

1日だけの参加もできます。昼食のお弁当と、ボランティア限定の手ぬぐいをご用意します。""",
    ),
    Template(
        titles=("SNSで伊賀の秋を発信", "#伊賀の秋 フォトキャンペーン"),
        use=Use.PROMOTION,
        organizer=1,
        place=Place(PlaceKind.ONLINE, "オンライン（各自のSNS）"),
        capacity=None,
        anytime=True,
        months=(10, 11),
        topics=("観光", "自然・環境"),
        skills=("写真・映像", "文章・編集"),
        questions=(
            Question(
                "主に投稿するSNS",
                Kind.CHOICE,
                ("Instagram", "X", "Facebook", "TikTok", "ブログ"),
                required=True,
            ),
            Question("アカウント名（任意）", answers=("@iga_aki", "@ninja_fan", "@kumihimo_life")),
        ),
        first="past",
        demo="attended",
        body="""紅葉の青山高原、新米、秋祭り。あなたが見つけた伊賀の秋を、SNSで発信してください。期間中に「#伊賀の秋」をつけて投稿した方に、活動ポイントをお贈りします。

## 参加のしかた
1. このページから参加を申し込む
2. 期間中に伊賀の秋の写真や動画を「#伊賀の秋」をつけて投稿する
3. 事務局が投稿を確認し、参加済みにします

伊賀に住んでいなくても大丈夫です。伊賀の食材や伊賀焼など、身の回りの「伊賀」を発信してください。""",
    ),
    Template(
        titles=(
            "ふるさと納税 寄附者のつどい（大阪）",
            "ふるさと納税 寄附者のつどい 秋の会（大阪）",
        ),
        use=Use.DONATION,
        organizer=0,
        place=Place(PlaceKind.CITY, "大阪・梅田の貸会議室", "大阪府大阪市北区梅田", City.OSAKA),
        capacity=50,
        start=time(14),
        hours=2,
        topics=("食・酒", "農業"),
        questions=(
            Question("伊賀市にふるさと納税をしたことがありますか", Kind.YES_NO, required=True),
        ),
        demand=0.8,
        first="open",
        body="""伊賀市にふるさと納税でご寄附くださった方、これから考えている方のための集いです。寄附金で進めている事業（忍者観光の多言語化、里山の保全、子育て支援）のご報告と、返礼品の生産者との交流を行います。

## 内容
- 寄附金の使い道のご報告
- 返礼品の生産者（伊賀牛・伊賀米・伊賀焼）のお話
- 伊賀の地酒と和菓子の試食

寄附をしたことがない方も参加できます。""",
    ),
    Template(
        titles=("返礼品の生産者を訪ねる 伊賀米の田んぼ見学",),
        use=Use.DONATION,
        organizer=2,
        place=Place(
            PlaceKind.IGA, "阿山地区の農家（集合：あやま文化センター）", "三重県伊賀市馬場"
        ),
        capacity=20,
        hours=3,
        months=(8, 9, 10),
        topics=("農業", "食・酒"),
        body="""ふるさと納税の返礼品「伊賀米コシヒカリ」を育てる農家さんを訪ね、実りの田んぼを見学します。寄附がどう地域の農業を支えているのかを、現場で聞いてみませんか。

- 田んぼと精米所の見学
- 農家さんとの意見交換（米づくりの今とこれから）
- 新米の試食

ふるさと納税をされた方も、そうでない方も歓迎します。""",
    ),
    Template(
        titles=("組紐づくり体験と城下町さんぽ", "伊賀くみひもと城下町さんぽ"),
        use=Use.VISIT,
        organizer=1,
        place=UENO,
        capacity=12,
        fee=2000,
        hours=4,
        topics=("組紐", "歴史・文化"),
        first="open",
        demo="accepted",
        body="""伝統工芸「伊賀くみひも」で、帯締めの技法を使ったストラップを組みます。そのあとは地元のガイドと城下町を歩き、だんじり会館や武家屋敷の町並みを巡ります。

## 内容
- 10:00 上野市駅前に集合
- 10:30 組紐づくり体験（約1時間半）
- 12:00 城下町さんぽ（伊賀の郷土料理の昼食つき）
- 14:00 解散

材料費と昼食代は参加費に含みます。""",
    ),
    Template(
        titles=("青山高原 秋のハイキング", "青山高原 風車の道ハイキング"),
        use=Use.VISIT,
        organizer=2,
        place=Place(PlaceKind.IGA, "青山高原（集合：近鉄 伊賀神戸駅）", "三重県伊賀市比土"),
        capacity=25,
        fee=500,
        start=time(9),
        hours=6,
        months=(10, 11),
        topics=("自然・環境",),
        body="""風車の並ぶ青山高原を、地元の山岳ガイドと歩きます。晴れた日には伊勢湾まで見渡せます。

## 持ち物
- 歩きやすい靴、雨具、防寒着
- お弁当、飲み物

歩く距離は約8km、上り下りがあります。小学生以上なら参加できます。""",
    ),
    Template(
        titles=("空き家活用アイデア会議（名古屋）", "空き家活用アイデア会議 第2弾（名古屋）"),
        use=Use.KNOWLEDGE,
        organizer=0,
        place=NAGOYA,
        selection=Selection.SCREENING,
        capacity=16,
        points=40,
        start=time(13, 30),
        hours=3,
        topics=("移住", "デザイン"),
        skills=("建築・不動産", "経営・起業", "デザイン"),
        questions=(
            Question(
                "空き家・建築・不動産・起業などに関わる経験があれば教えてください",
                required=True,
                answers=(
                    "一級建築士です。古民家の改修を手がけています。",
                    "不動産会社で賃貸の仲介をしています。",
                    "地方でカフェを開業した経験があります。",
                    "経験はありませんが、実家が空き家になっています。",
                ),
            ),
            Question("伊賀の空き家の現地見学（後日）にも関心がありますか", Kind.YES_NO),
        ),
        demand=1.8,
        first="screening_pending",
        body="""伊賀市内には、まだ使える空き家がたくさんあります。建築・不動産・デザイン・起業などの知見をお持ちの方に、空き家を「使いたくなる場所」にするアイデアを出していただく会議です。

## 内容
- 市内の空き家の現状と、実際の物件の紹介
- グループでの活用アイデアづくり
- 提案は空き家バンクの運営や改修補助の見直しに生かします

話し合いを深めるため、応募いただいた内容をもとに参加者を選ばせていただきます。""",
    ),
    Template(
        titles=("稲刈りとはさ掛け体験",),
        use=Use.LOCAL_ACTIVITY,
        organizer=2,
        place=SHIMAGAHARA,
        capacity=20,
        fee=1000,
        start=time(9),
        hours=4,
        months=(9, 10),
        topics=("農業",),
        skills=("農業",),
        body="""春に田植えをした田んぼで、鎌を使った稲刈りと、はさ掛け（天日干し）を体験します。

- 9:00 JR島ケ原駅に集合
- 稲刈り、はさ掛け
- 新米のおにぎりで昼食

はさ掛けしたお米は、脱穀・精米のあと参加者へお送りします（送料は事務局が負担します）。""",
    ),
    Template(
        titles=("上野天神祭の準備ボランティア",),
        use=Use.LOCAL_ACTIVITY,
        organizer=1,
        place=Place(PlaceKind.IGA, "菅原神社（上野天神宮）", "三重県伊賀市上野東町"),
        capacity=15,
        start=time(9),
        hours=6,
        months=(10,),
        topics=("歴史・文化",),
        skills=("イベント運営",),
        questions=(Question("力仕事（だんじりの組み立ての補助）もできますか", Kind.YES_NO),),
        body="""ユネスコ無形文化遺産の「上野天神祭」。鬼行列やだんじりの準備を、地元の保存会の方々と一緒に行います。

## お願いすること
- 会場の設営、飾りつけ
- 祭り当日の観客案内
- 片づけ

祭りの裏側に触れられる、またとない機会です。""",
    ),
    Template(
        titles=("里山の竹林整備", "里山の竹林整備（竹炭づくりつき）"),
        use=Use.LOCAL_ACTIVITY,
        organizer=2,
        place=Place(
            PlaceKind.IGA, "伊賀市西部の里山（集合：伊賀市役所）", "三重県伊賀市四十九町3184"
        ),
        capacity=None,
        start=time(9),
        hours=4,
        topics=("自然・環境",),
        first="open",
        body="""放置されて広がった竹林を、地元の保全グループと一緒に整備します。切った竹は竹炭や竹灯籠に生まれ変わります。

- のこぎり・手袋・ヘルメットは貸し出します
- 作業のあと、竹の器で豚汁をいただきます

体力に自信がなくても、竹を運んだり枝を払ったりと、できることがあります。""",
    ),
    Template(
        titles=("お試し移住 空き家見学会", "空き家バンク物件 見学バスツアー"),
        use=Use.MIGRATION_TRIAL,
        organizer=0,
        place=CITY_HALL,
        selection=Selection.LOTTERY,
        capacity=10,
        hours=6,
        topics=("移住",),
        skills=("建築・不動産",),
        questions=(
            Question(
                "見学したい地域",
                Kind.CHOICE,
                ("上野地区（市街地）", "阿山・大山田（山あい）", "青山（高原）", "どこでも"),
            ),
            Question(
                "家族構成と、住まいの希望を教えてください",
                required=True,
                answers=(
                    "夫婦と子ども2人。庭のある一軒家を探しています。",
                    "ひとり暮らしです。駅に近い小さな家が希望です。",
                    "夫婦ふたり。畑ができる古民家に住みたいです。",
                ),
            ),
        ),
        demand=2.0,
        first="past",
        body="""空き家バンクに登録されている物件を、マイクロバスで巡ります。市の移住相談員と地元の不動産事業者が同行し、改修の補助制度や暮らしの費用についてもご案内します。

- 物件の見学（3〜4件）
- 先輩移住者との昼食会
- 個別相談

応募が定員を超えた場合は、受付締切後に抽選します。""",
    ),
    Template(
        titles=("伊賀で働く1日インターン",),
        use=Use.MIGRATION_TRIAL,
        organizer=2,
        place=Place(
            PlaceKind.IGA, "伊賀市内の企業・農園（集合：伊賀市役所）", "三重県伊賀市四十九町3184"
        ),
        selection=Selection.SCREENING,
        capacity=6,
        start=time(9, 30),
        hours=7,
        weekend=False,
        topics=("移住", "IT"),
        skills=("IT・プログラミング", "経営・起業"),
        questions=(
            Question(
                "体験したい仕事",
                Kind.CHOICE,
                ("農業法人", "伊賀焼の窯元", "IT企業（リモート可）", "観光・宿泊"),
                required=True,
            ),
            Question(
                "これまでのお仕事について教えてください",
                required=True,
                answers=(
                    "メーカーで営業をしています。",
                    "ウェブエンジニアです。",
                    "飲食店の店長をしていました。",
                ),
            ),
        ),
        demand=1.5,
        body="""移住を考えるとき、いちばん気になるのは仕事のこと。伊賀の企業や農園で1日働いてみるインターンです。受け入れ先の方と一緒に働き、昼食をとりながら、伊賀での働き方や暮らしについて話を聞けます。

受け入れ先との調整のため、応募内容をもとに選考します。""",
    ),
    Template(
        titles=("伊賀の魅力を伝える写真講座（名古屋）",),
        use=Use.PROMOTION,
        organizer=1,
        place=NAGOYA,
        capacity=20,
        fee=1000,
        start=time(14),
        hours=2.5,
        topics=("観光", "デザイン"),
        skills=("写真・映像",),
        body="""伊賀の観光写真を撮り続けているカメラマンが、スマートフォンでも「伝わる」写真の撮り方を教えます。講座のあとは、伊賀の写真を使ったSNS投稿の練習をします。

- スマートフォンかカメラをお持ちください
- 講座で撮った伊賀の写真は、市の観光PRに使わせていただくことがあります（事前に確認します）""",
    ),
    Template(
        titles=("ふるさと伊賀のPR動画づくり（オンライン・全3回）",),
        use=Use.PROMOTION,
        organizer=0,
        place=ONLINE,
        capacity=15,
        sessions=3,
        start=time(20),
        hours=1.5,
        weekend=False,
        topics=("IT", "デザイン"),
        skills=("写真・映像", "文章・編集", "デザイン"),
        body="""伊賀出身・ゆかりの人の「伊賀の好きなところ」を集めた短い動画を、オンラインで一緒につくります。毎週1回、全3回の作業会です。

1. 企画会議：誰に、何を伝えるか
2. 素材集め：手持ちの写真・動画、インタビュー
3. 編集と仕上げ

完成した動画は市の公式SNSで公開します。どの回からでも参加できます。""",
    ),
    Template(
        titles=("中学生のキャリア授業に登壇（オンライン）",),
        use=Use.KNOWLEDGE,
        organizer=0,
        place=ONLINE,
        selection=Selection.SCREENING,
        capacity=5,
        waitlist=False,
        start=time(13, 40),
        hours=1,
        weekend=False,
        months=(1, 2, 6, 7, 10, 11),
        topics=("子育て", "IT"),
        skills=("教育",),
        questions=(
            Question(
                "お仕事の内容と、中学生に伝えたいこと",
                required=True,
                answers=(
                    "看護師です。地元を出ても、ふるさととつながれることを伝えたい。",
                    "ゲーム会社でプログラマーをしています。好きなことを仕事にする話をしたいです。",
                    "商社で海外を飛び回っています。伊賀の外の世界の話をしたいです。",
                ),
            ),
        ),
        demand=1.5,
        body="""市内の中学校の「キャリア教育」の授業に、オンラインで登壇していただける方を募集します。伊賀を出て働く先輩として、仕事の話や、ふるさととの関わり方を話してください。

- 授業は50分（お話20分と質疑応答）
- 事前に担当の先生と打ち合わせをします（30分程度）""",
    ),
    Template(
        titles=("伊賀の酒蔵めぐりと新酒の試飲",),
        use=Use.VISIT,
        organizer=1,
        place=UENO,
        capacity=20,
        fee=3000,
        start=time(11),
        hours=5,
        months=(2, 3),
        topics=("食・酒",),
        first="draft",
        body="""伊賀の酒蔵を巡り、しぼりたての新酒を試飲します。

（内容を準備中です。酒蔵と日程が決まりしだい公開します。）""",
    ),
)


def default_count(members: int) -> int:
    """About one activity for every 15 members (40 for the 600-member demo), at least the
    whole catalogue once, at most 2,000."""
    return min(max(members // 15, len(CATALOGUE)), 2000)


# --- the member pool --------------------------------------------------------------------------


class _Pool:
    """Active members ordered by when they joined, so that the people who could have applied
    by a given time are a prefix of the list."""

    def __init__(self, community: Community, exclude: Member | None):
        rows = (
            Member.objects.filter(
                community=community, status=Member.Status.ACTIVE, joined_at__isnull=False
            )
            .exclude(pk=exclude.pk if exclude else None)
            .order_by("joined_at", "pk")
            .values_list("pk", "user_id", "joined_at")
        )
        self.members = list(rows)
        self.joined = [row[2] for row in self.members]

    def sample(self, rng: random.Random, k: int, *, before: datetime) -> list[tuple]:
        eligible = bisect.bisect_left(self.joined, before)
        return [self.members[i] for i in rng.sample(range(eligible), min(k, eligible))]


# --- planning one activity ----------------------------------------------------------------------


@dataclass
class _App:
    member: tuple  # (member pk, user id, joined_at)
    created_at: datetime
    answers: list
    status: str = Status.APPLIED
    decided_at: datetime | None = None
    waitlist_position: int | None = None
    reminder_sent_at: datetime | None = None
    thanks_sent_at: datetime | None = None
    events: list = field(default_factory=list)  # (from, to, by user id, at, message)
    attended_at: datetime | None = None
    row: Application | None = None

    def move(self, to: str, at: datetime, by: int | None, message: str = "") -> None:
        self.events.append((self.status, to, by, at, message))
        self.status = to
        if to in (Status.ACCEPTED, Status.WAITLISTED, Status.REJECTED):
            self.decided_at = at
        if to != Status.WAITLISTED:
            self.waitlist_position = None


@dataclass
class _Plan:
    activity: Activity
    template: Template
    topics: list
    skills: list
    sessions: list[ActivitySession]
    questions: list[ApplicationQuestion]
    apps: list[list[_App]]  # per session
    draws: list[tuple[int, int, datetime] | None]  # per session: (seed, cut, drawn_at)


def _at(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _spread(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * rng.random()


def _year_end(day: date) -> bool:
    return (day.month, day.day) >= (12, 28) or (day.month, day.day) <= (1, 4)


def _pick_day(rng, today: date, lo: int, hi: int, template: Template) -> date:
    """A day `lo`..`hi` days from today in one of the template's months (any month when none
    fits) and not in the year-end holidays, moved to a Saturday or Sunday for weekend
    activities and to a weekday otherwise."""
    offsets = [d for d in range(lo, hi + 1) if not _year_end(today + timedelta(days=d))]
    fitting = [d for d in offsets if (today + timedelta(days=d)).month in template.months]
    offset = rng.choice(fitting or offsets)
    if template.anytime:
        return today + timedelta(days=offset)
    weekday = (today + timedelta(days=offset)).weekday()
    if template.weekend:
        offset += (rng.choice((5, 6)) - weekday) % 7
    elif weekday >= 5:
        offset += 7 - weekday
    if offset > hi or _year_end(today + timedelta(days=offset)):
        offset -= 7
    return today + timedelta(days=offset)


def _in_season(today: date, template: Template) -> bool:
    """Whether an upcoming date can still fall in the template's months."""
    lo, hi = FUTURE_ANYTIME if template.anytime else FUTURE
    return not template.months or any(
        (today + timedelta(days=d)).month in template.months for d in range(lo, hi + 1)
    )


def _schedule(rng, template: Template, state: str, now: datetime):
    """(session (start, end) pairs or None for anytime, opens_at, closes_at)."""
    today = timezone.localtime(now).date()
    if template.anytime:
        if state == "past":
            end = _pick_day(rng, today, -120, -3, template)
        else:
            end = _pick_day(rng, today, *FUTURE_ANYTIME, template)
        opens = _at(end - timedelta(days=60), time(9))
        return None, min(opens, now - timedelta(days=rng.randint(5, 30))), _at(end, time(23, 59))
    length = math.ceil(template.hours / 24)
    span = (template.sessions - 1) * template.gap_days + length
    lo, hi = {
        "past": (-360, -2 - span),
        "lottery_closed": (8, 40),
        "screening_pending": (12, 60),
        "full": (7, 60),
        "open": (7, 90),
    }.get(state, FUTURE)
    first_day = _pick_day(rng, today, lo, hi, template)
    # A series does not run over the year-end holidays: a week earlier (or later) each time.
    week = timedelta(days=-7 if state == "past" else 7)
    while any(
        _year_end(first_day + timedelta(days=i * template.gap_days))
        for i in range(template.sessions)
    ):
        first_day += week
    sessions = []
    for i in range(template.sessions):
        start = _at(first_day + timedelta(days=i * template.gap_days), template.start)
        sessions.append((start, start + timedelta(hours=template.hours)))
    first = sessions[0][0]
    if state == "lottery_closed":
        closes = _at(today - timedelta(days=1), time(17))
    elif template.selection == Selection.LOTTERY:
        closes = _at(first_day - timedelta(days=7), time(17))
    elif template.selection == Selection.SCREENING:
        closes = _at(first_day - timedelta(days=5), time(17))
    else:
        closes = _at(first_day - timedelta(days=1), time(17))
    opens = _at(first_day - timedelta(days=rng.randint(21, 45)), time(9))
    if first > now:  # upcoming activities are already announced
        opens = min(opens, now - timedelta(days=rng.randint(1, 14)))
    opens = min(opens, closes - timedelta(days=3))
    return sessions, opens, closes


def _answers(rng, questions: list[ApplicationQuestion], spec: tuple[Question, ...]) -> list:
    stored = []
    for question, q in zip(questions, spec, strict=True):
        value = ""
        if q.required or rng.random() < 0.6:
            if q.kind == Kind.CHOICE:
                value = rng.choice(q.choices)
            elif q.kind == Kind.YES_NO:
                value = rng.choice(("yes", "no"))
            elif q.answers:
                value = rng.choice(q.answers)
        stored.append(
            {"question_id": None, "question": question.text, "kind": question.kind,
             "answer": value, "_question": question}
        )  # fmt: skip
    return stored


def _plan(
    n: int, *, seed: int, community: Community, organizers: list[Organizer], tags: dict,
    staff_id: int | None, demo: Member | None, pool: _Pool, now: datetime,
) -> _Plan:  # fmt: skip
    rng = random.Random(f"{seed}-activity-{n}")
    cycle, index = divmod(n - 1, len(CATALOGUE))
    template = CATALOGUE[index]
    state = template.first if cycle == 0 else ""
    demo_role = template.demo if cycle == 0 and demo is not None else ""
    if not state:
        state = "past" if rng.random() < 0.6 else ("draft" if rng.random() < 0.03 else "")
        if state != "past" and not _in_season(timezone.localtime(now).date(), template):
            state = "past"  # an autumn festival is not announced in winter
    title = template.titles[cycle % len(template.titles)]
    if cycle >= len(template.titles):
        title = f"{title}（第{cycle + 1}回）"
    sessions, opens, closes = _schedule(rng, template, state, now)
    ended = closes if sessions is None else sessions[-1][1]
    if state == "draft":
        status = Activity.Status.DRAFT
    elif ended < now:
        archived = ended < now - timedelta(days=270)
        status = Activity.Status.ARCHIVED if archived else Activity.Status.CLOSED
    else:
        status = Activity.Status.PUBLISHED
    place = template.place
    activity = Activity(
        community=community,
        organizer=organizers[template.organizer % len(organizers)],
        title=title,
        body=template.body,
        use=template.use,
        place_kind=place.kind,
        city=place.city,
        place_name=place.name,
        address=place.address,
        fee=template.fee,
        selection=template.selection,
        opens_at=opens,
        closes_at=closes,
        points_for_attendance=template.points,
        status=status,
        created_by_id=staff_id,
        created_at=opens - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8)),
    )
    if sessions is None:
        rows = [ActivitySession(anytime=True, capacity=template.capacity,
                                waitlist=template.waitlist)]  # fmt: skip
    else:
        rows = [
            ActivitySession(starts_at=start, ends_at=end, capacity=template.capacity,
                            waitlist=template.waitlist)
            for start, end in sessions
        ]  # fmt: skip
    questions = [
        ApplicationQuestion(text=q.text, kind=q.kind, choices=list(q.choices),
                            required=q.required, position=i)
        for i, q in enumerate(template.questions)
    ]  # fmt: skip
    plan = _Plan(
        activity=activity,
        template=template,
        topics=[tags[("topic", name)] for name in template.topics if ("topic", name) in tags],
        skills=[tags[("skill", name)] for name in template.skills if ("skill", name) in tags],
        sessions=rows,
        questions=questions,
        apps=[],
        draws=[],
    )
    for i, session in enumerate(rows):
        apps, draw = [], None
        if status != Activity.Status.DRAFT:
            demo_here = demo if demo_role and i == 0 else None
            apps, draw = _applications(rng, plan, session, state, demo_here, demo_role,
                                       staff_id, pool, now)  # fmt: skip
        plan.apps.append(apps)
        plan.draws.append(draw)
    return plan


def _applications(rng, plan: _Plan, session: ActivitySession, state: str, demo, demo_role,
                  staff_id, pool: _Pool, now: datetime):  # fmt: skip
    """A session's applications as the services would have left them by now."""
    activity, template = plan.activity, plan.template
    capacity = session.capacity
    cutoff = min(activity.closes_at, now)
    if session.starts_at is not None:
        cutoff = min(cutoff, session.starts_at)
    if capacity is None:
        wanted = round(rng.randint(10, 40) * template.demand)
    elif state == "full":
        wanted = capacity + rng.randint(3, 8)
    elif state == "open":
        wanted = int(capacity * rng.uniform(0.3, 0.6))
    else:
        wanted = round(capacity * template.demand * rng.uniform(0.5, 1.3))
    if activity.closes_at > now:  # the window is still open: not everyone has applied yet
        done = (now - activity.opens_at) / (activity.closes_at - activity.opens_at)
        if state not in ("full", "open"):
            wanted = round(wanted * max(0.3, min(1.0, done)))
    people = pool.sample(rng, wanted, before=cutoff - timedelta(hours=1))
    apps = []
    for member in people:
        start = max(activity.opens_at, member[2] + timedelta(hours=1))
        apps.append(_App(member=member, created_at=_spread(rng, start, cutoff),
                         answers=_answers(rng, plan.questions, template.questions)))  # fmt: skip
    apps.sort(key=lambda a: a.created_at)
    if demo is not None:
        demo_app = _App(member=(demo.pk, demo.user_id, demo.joined_at),
                        created_at=activity.opens_at + timedelta(hours=2, minutes=17),
                        answers=_answers(rng, plan.questions, template.questions))  # fmt: skip
        apps.insert(0, demo_app)
    for app in apps:
        app.events.append(("", Status.APPLIED, app.member[1], app.created_at, ""))

    draw = None
    if activity.selection == Selection.FIRST_COME:
        apps = _first_come(rng, apps, session, cutoff, demo, cancellations=state != "full")
    elif activity.selection == Selection.LOTTERY:
        if activity.closes_at <= now and state != "lottery_closed" and apps:
            draw = _lottery(rng, apps, session, activity.closes_at, now, staff_id)
    elif activity.closes_at <= now or state == "screening_pending":
        _screening(rng, apps, session, activity.closes_at, now, staff_id, demo,
                   pending=state == "screening_pending")  # fmt: skip
    _day_itself(rng, apps, session, activity, now, staff_id, demo)
    return apps, draw


def _first_come(rng, apps: list[_App], session, cutoff, demo, *, cancellations=True):
    kept, accepted, waiting = [], 0, []
    for app in apps:
        by = app.member[1]
        if session.capacity is None or accepted < session.capacity:
            app.move(Status.ACCEPTED, app.created_at, by)
            accepted += 1
        elif session.waitlist:
            app.move(Status.WAITLISTED, app.created_at, by)
            app.waitlist_position = len(waiting) + 1
            waiting.append(app)
        else:
            continue  # full with no waiting list: the service refused this one
        kept.append(app)
    # A few cancel once everyone has applied; the first on the waiting list moves up.
    if not kept or not cancellations:
        return kept
    settled = kept[-1].created_at
    for app in [a for a in kept if a.status == Status.ACCEPTED and a.member[0] != _pk(demo)]:
        if rng.random() < 0.05 and settled < cutoff:
            at = _spread(rng, settled, cutoff)
            app.move(Status.CANCELLED, at, app.member[1])
            if waiting:
                waiting.pop(0).move(Status.ACCEPTED, at, None, PROMOTED)
    return kept


def _pk(member) -> int | None:
    return member.pk if member is not None else None


def _lottery(rng, apps: list[_App], session, closes: datetime, now: datetime, staff_id):
    """Drawn and sent: the order is what services.lottery_draw gives for this seed (its pool
    is the applications in pk order, which is their order here)."""
    seed = rng.getrandbits(62)
    order = list(range(len(apps)))
    random.Random(seed).shuffle(order)
    cut = len(order) if session.capacity is None else session.capacity
    drawn_at = _spread(rng, closes, min(closes + timedelta(hours=20), now))
    sent_at = _spread(rng, drawn_at, min(drawn_at + timedelta(hours=2), now))
    for position, i in enumerate(order):
        app = apps[i]
        if position < cut:
            app.move(Status.ACCEPTED, sent_at, staff_id, DRAWN)
        elif session.waitlist:
            app.move(Status.WAITLISTED, sent_at, staff_id, DRAWN)
            app.waitlist_position = position - cut + 1
        else:
            app.move(Status.REJECTED, sent_at, staff_id, DRAWN)
    return seed, order, cut, drawn_at, sent_at


def _screening(rng, apps, session, closes, now, staff_id, demo, *, pending: bool) -> None:
    if not apps:
        return
    places = len(apps) if session.capacity is None else session.capacity
    if pending:  # staff have only started: a few decided, the rest waiting
        decided_at = min(now - timedelta(hours=2), apps[-1].created_at + timedelta(hours=3))
        chosen = [a for a in apps if rng.random() < 0.25][: max(1, places // 3)]
        for app in chosen:
            if app.created_at < decided_at:
                app.move(Status.ACCEPTED, decided_at, staff_id)
        return
    decided_at = _spread(rng, closes, min(closes + timedelta(hours=30), now))
    order = list(range(len(apps)))
    rng.shuffle(order)
    if demo is not None:
        order.remove(0)
        order.insert(0, 0)
    for position, i in enumerate(order):
        if position < places:
            apps[i].move(Status.ACCEPTED, decided_at, staff_id)
        else:
            apps[i].move(Status.REJECTED, decided_at, staff_id,
                         NOT_CHOSEN if rng.random() < 0.5 else "")  # fmt: skip


def _day_itself(rng, apps, session, activity, now, staff_id, demo) -> None:
    """Reminders, then attendance and no-shows once a session is over (staff at the desk);
    for an ongoing project, attendance as members take part."""
    if session.anytime:
        for app in apps:
            if app.status != Status.ACCEPTED:
                continue
            closed = activity.closes_at <= now
            if app.member[0] == _pk(demo) or rng.random() < (0.8 if closed else 0.5):
                at = _spread(rng, app.decided_at, min(activity.closes_at, now))
                app.move(Status.ATTENDED, at, staff_id)
                app.attended_at = at
            elif closed:
                app.move(Status.NO_SHOW, activity.closes_at + timedelta(days=1), staff_id)
        return
    start, end = session.starts_at, session.ends_at
    for app in apps:
        if app.status != Status.ACCEPTED:
            continue
        if start - timedelta(days=1) < now and app.decided_at < start - timedelta(days=1):
            day_before = timezone.localtime(start).date() - timedelta(days=1)
            app.reminder_sent_at = min(now, _at(day_before, time(8)))
        if end > now:
            continue
        at = start + timedelta(minutes=rng.randint(-20, 15))
        if app.member[0] == _pk(demo) or rng.random() < 0.88:
            app.move(Status.ATTENDED, at, staff_id)
            app.attended_at = start  # services.application_mark_attended: the session's start
            app.thanks_sent_at = min(now, end + timedelta(hours=12))
        else:
            app.move(Status.NO_SHOW, end, staff_id)


# --- writing ----------------------------------------------------------------------------------


def seed_activities(
    *,
    community: Community,
    activities: int,
    seed: int = 2026,
    staff=None,
    demo_member: Member | None = None,
    now: datetime | None = None,
) -> int:
    """Bring the community up to `activities` activities (never removes any); returns how
    many were added. Call inside a transaction."""
    existing = community.activities.count()
    to_create = max(0, activities - existing)
    if not to_create:
        return 0
    now = now or timezone.now()
    organizers = list(community.organizers.order_by("pk")) or [
        Organizer.objects.create(
            community=community, name=FALLBACK_ORGANIZER.format(community=community.name)
        )
    ]
    tags = {(t.kind, t.name): t for t in Tag.objects.filter(community=community)}
    rules = dict(PointsRule.objects.filter(community=community).values_list("kind", "points"))
    pool = _Pool(community, exclude=demo_member)
    staff_id = staff.pk if staff is not None else None
    created = 0
    while created < to_create:
        numbers = range(existing + created + 1, existing + min(to_create, created + CHUNK) + 1)
        plans = [
            _plan(n, seed=seed, community=community, organizers=organizers, tags=tags,
                  staff_id=staff_id, demo=demo_member, pool=pool, now=now)
            for n in numbers
        ]  # fmt: skip
        _write(plans, community, rules, staff_id)
        created += len(plans)
    return created


def _write(plans: list[_Plan], community: Community, rules: dict, staff_id) -> None:
    Activity.objects.bulk_create([p.activity for p in plans])
    Topic, Skill = Activity.topics.through, Activity.wanted_skills.through
    topic_links, skill_links, sessions, questions = [], [], [], []
    for plan in plans:
        topic_links += [Topic(activity_id=plan.activity.pk, tag_id=t.pk) for t in plan.topics]
        skill_links += [Skill(activity_id=plan.activity.pk, tag_id=t.pk) for t in plan.skills]
        for row in plan.sessions:
            row.activity = plan.activity
            sessions.append(row)
        for row in plan.questions:
            row.activity = plan.activity
            questions.append(row)
    Topic.objects.bulk_create(topic_links)
    Skill.objects.bulk_create(skill_links)
    ActivitySession.objects.bulk_create(sessions)
    ApplicationQuestion.objects.bulk_create(questions)

    applications = []
    for plan in plans:
        for session, apps in zip(plan.sessions, plan.apps, strict=True):
            for app in apps:
                answers = [
                    {key: value for key, value in answer.items() if key != "_question"}
                    | {"question_id": answer["_question"].pk}
                    for answer in app.answers
                ]
                app.row = Application(
                    session=session,
                    member_id=app.member[0],
                    status=app.status,
                    answers=answers,
                    waitlist_position=app.waitlist_position,
                    created_at=app.created_at,
                    decided_at=app.decided_at,
                    reminder_sent_at=app.reminder_sent_at,
                    thanks_sent_at=app.thanks_sent_at,
                )
                applications.append(app.row)
    Application.objects.bulk_create(applications, batch_size=2000)

    events, draws, entries = [], [], []
    for plan in plans:
        activity = plan.activity
        points = activity.points_for_attendance
        if points is None:
            points = rules.get(activity.use, 0)
        for session, apps, draw in zip(plan.sessions, plan.apps, plan.draws, strict=True):
            for app in apps:
                events += [
                    ApplicationEvent(application=app.row, from_status=old, to_status=new,
                                     by_id=by, at=at, message=message)
                    for old, new, by, at, message in app.events
                ]  # fmt: skip
                if app.attended_at is not None:
                    entries.append(
                        Engagement(
                            community=community,
                            member_id=app.member[0],
                            kind=activity.use,
                            source_type=ATTENDANCE,
                            source_id=session.pk,
                            points=points,
                            occurred_at=app.attended_at,
                            note=activity.title[:200],
                            created_by_id=staff_id,
                        )
                    )
            if draw is not None:
                draw_seed, order, cut, drawn_at, sent_at = draw
                ids = [apps[i].row.pk for i in order]
                draws.append(
                    LotteryDraw(
                        session=session,
                        seed=draw_seed,
                        result=lottery_result(order=ids, cut=cut, waitlist=session.waitlist),
                        drawn_at=drawn_at,
                        drawn_by_id=staff_id,
                        sent_at=sent_at,
                    )
                )
    ApplicationEvent.objects.bulk_create(events, batch_size=5000)
    LotteryDraw.objects.bulk_create(draws)
    Engagement.objects.bulk_create(entries, batch_size=2000)
