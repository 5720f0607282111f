import pytest
from django.core.cache import cache
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from enishi.communities.models import Community

# Property tests check what comes out, not how fast: on a busy machine a 200 ms deadline per
# example fails correct code (tests assert query counts, never timings).
hypothesis_settings.register_profile("enishi", deadline=None)
hypothesis_settings.load_profile("enishi")


@pytest.fixture(autouse=True)
def _fast_local_services(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    settings.MEDIA_ROOT = tmp_path / "media"  # uploaded photos go nowhere shared
    settings.ENISHI_INSIGHTS_MAX_AGE = 0  # the dashboard recounts on every request
    cache.clear()  # rate limits start afresh in every test
    # A request with ?lang=en leaves English active in the thread: every test starts Japanese.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def community(db) -> Community:
    """The 伊賀衆 community the migrations create."""
    return Community.objects.get(slug="iga")
