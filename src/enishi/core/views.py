from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """For load balancers and monitoring: is the app up and can it reach its database?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure of the database means "not healthy"
        return JsonResponse(
            {"status": "error", "database": str(error.__class__.__name__)}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})
