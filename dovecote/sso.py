"""Single sign-on settings: django-allauth's OpenID Connect provider for one identity provider (e.g. Entra ID).

A plain function, imported by the settings, so that tests configure sign-on against their local identity
provider exactly as the settings do against the real one."""


def openid_connect_providers(*, server_url: str, provider_id: str, name: str, client_id: str, secret: str) -> dict:
    """SOCIALACCOUNT_PROVIDERS for one OpenID Connect identity provider, with PKCE on."""
    return {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": provider_id,
                    "name": name,
                    "client_id": client_id,
                    "secret": secret,
                    "settings": {"server_url": server_url},
                }
            ],
            "OAUTH_PKCE_ENABLED": True,
        }
    }
