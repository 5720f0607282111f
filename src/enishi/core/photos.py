"""Checking and re-encoding uploaded photos (reports, partner shops) with Pillow."""

import io
import secrets

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # a 40-megapixel camera; more is a decompression bomb


class PhotoError(ValueError):
    pass


def photo_clean(upload) -> ContentFile:
    """The upload as a JPEG (or PNG when it has transparency) without EXIF or other metadata,
    scaled to fit ENISHI_PHOTO_MAX_EDGE. Raises PhotoError for anything else."""
    if upload.size > settings.ENISHI_PHOTO_MAX_BYTES:
        raise PhotoError(
            _("写真は %(mb)d MB までです。") % {"mb": settings.ENISHI_PHOTO_MAX_BYTES // 2**20}
        )
    try:
        with Image.open(upload) as probe:
            fmt = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError(_("写真の画素数が大きすぎます。"))
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise PhotoError(_("JPEG・PNG・WebP の写真を選んでください。")) from None
    if fmt not in ACCEPTED_FORMATS:
        raise PhotoError(_("JPEG・PNG・WebP の写真を選んでください。"))
    edge = settings.ENISHI_PHOTO_MAX_EDGE
    image.thumbnail((edge, edge))
    out = io.BytesIO()
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image.save(out, "PNG", optimize=True)
        ext = "png"
    else:
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{secrets.token_urlsafe(12)}.{ext}")
