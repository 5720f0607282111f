import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from enishi.communities.models import Community
from enishi.news.models import Report
from enishi.news.services import report_photo_add


def image_bytes(fmt="JPEG", size=(1200, 800), color=(200, 120, 40), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save)
    return out.getvalue()


def upload(name="photo.jpg", content=None, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or image_bytes(), content_type=content_type)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    community = factory.LazyFunction(lambda: Community.objects.get(slug="iga"))
    title = factory.Sequence(lambda n: f"伊賀焼の里で窯出しを体験しました {n}")
    summary = "丸柱の窯元で、会員12人が窯出しと土鍋づくりを手伝いました。"
    body = "## 当日の様子\n\n朝9時に**丸柱**に集合。\n\n- 窯出し\n- 土鍋の仕上げ"
    status = Report.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


def report_photo(report, alt="窯から出したばかりの土鍋"):
    return report_photo_add(report=report, upload=upload(), alt=alt)
