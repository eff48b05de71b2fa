from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    """Which top-level section the page belongs to, for the service navigation's current item."""
    match = getattr(request, "resolver_match", None)
    return {"nav_section": match.namespace if match else ""}
