import re

from django.conf import settings
from django.shortcuts import render
from django.utils import translation


def language(get_response):
    """Japanese unless the person chose otherwise: `?lang=en` (or `?lang=ja`) switches and the
    choice is remembered in a cookie. The browser's Accept-Language is not consulted, so a phone
    set to English still sees the municipality's Japanese pages until English is chosen."""
    languages = {code for code, _name in settings.LANGUAGES}

    def middleware(request):
        chosen = request.GET.get("lang")
        if chosen not in languages:
            chosen = None
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        lang = chosen or (cookie if cookie in languages else settings.LANGUAGE_CODE)
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = get_response(request)
        response.headers.setdefault("Content-Language", lang)
        if chosen:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, chosen, max_age=365 * 24 * 3600, samesite="Lax"
            )
        return response

    return middleware


def limit_request_body(get_response):
    """Refuse a request body larger than ENISHI_MAX_REQUEST_BODY with 413, before anything reads
    it. Django's own limit counts form fields only, not file parts or other content types.
    The paths in ENISHI_UPLOAD_PATHS (photo uploads) have their own, larger limit."""
    limit = settings.ENISHI_MAX_REQUEST_BODY
    allowances = [(re.compile(p), n) for p, n in settings.ENISHI_UPLOAD_PATHS.items()]

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        allowed = next((n for p, n in allowances if p.match(request.path_info)), limit)
        if length > allowed:
            response = render(request, "413.html", status=413)
            response["Connection"] = "close"
            return response
        return get_response(request)

    return middleware
