"""Errors as RFC 9457 problem details (application/problem+json), and the OpenAPI document
saying so for every error an operation can answer."""

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

PROBLEM = "application/problem+json"


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict] | None = None


def problem(request, status: int, title: str, detail: str = "", **extra) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
        **extra,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="enishi"'
    return response


def _validation(request, exc: ValidationError):
    errors = [
        {"loc": [str(part) for part in e.get("loc", [])], "msg": str(e.get("msg", "")),
         "type": str(e.get("type", ""))}
        for e in exc.errors
    ]  # fmt: skip
    return problem(request, 422, _("入力が正しくありません。"), errors=errors)


def _http_error(request, exc: HttpError):
    titles = {
        401: _("認証が必要です。"),
        403: _("この操作は許可されていません。"),
        404: _("見つかりません。"),
        409: _("いまの状態ではできません。"),
        429: _("リクエストが多すぎます。しばらく待ってから試してください。"),
    }
    title = titles.get(exc.status_code, _("リクエストを処理できません。"))
    detail = str(exc) if not isinstance(exc, AuthenticationError | Throttled) else title
    response = problem(request, exc.status_code, title, detail)
    if isinstance(exc, Throttled) and exc.wait:
        response["Retry-After"] = str(int(exc.wait) + 1)
    return response


def install(api) -> None:
    api.add_exception_handler(ValidationError, _validation)
    api.add_exception_handler(HttpError, _http_error)
    api.add_exception_handler(
        Http404, lambda request, exc: problem(request, 404, _("見つかりません。"))
    )
    api.add_exception_handler(
        PermissionDenied,
        lambda request, exc: problem(request, 403, _("この操作は許可されていません。")),
    )


def errors(*codes: int) -> dict:
    """Response declarations for error statuses (always 422 and 429 too)."""
    return {code: Problem for code in sorted({*codes, 422, 429})}


def problem_json_in_schema(schema: dict) -> dict:
    """Error responses are served as application/problem+json: the document says so."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status).startswith(("4", "5")) and "application/json" in content:
                    response["content"] = {PROBLEM: content.pop("application/json")}
    return schema
