from django.conf import settings
from django.utils import translation


def language_from_query(get_response):
    """`?lang=en` (or `?lang=ja`) switches the language and remembers it in a cookie."""
    languages = {code for code, _name in settings.LANGUAGES}

    def middleware(request):
        lang = request.GET.get("lang")
        if lang not in languages:
            return get_response(request)
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = get_response(request)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 24 * 3600, samesite="Lax"
        )
        return response

    return middleware
