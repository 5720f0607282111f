from allauth.account.adapter import get_adapter


def client_ip(request) -> str:
    """The person's address as the rate limits see it: through the trusted proxies
    (ALLAUTH_TRUSTED_PROXY_COUNT), not the proxy's own."""
    return get_adapter(request).get_client_ip(request)
