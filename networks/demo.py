"""The demo department's accounts on Bluesky and Mastodon, which their local sandboxes know (ids and credentials)
and seed_demo creates beside the X ones (twitter_api/sandbox/demo.py). Kept here so the sandboxes need no app."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoAccount:
    network: str
    handle: str
    display_name: str
    kind: str
    team_slug: str
    responsible: str
    user_id: str  # Bluesky's DID, Mastodon's account id
    credential: str  # Bluesky's app password, Mastodon's access token
    instance_url: str = ""


DEMO_NETWORK_ACCOUNTS = [
    DemoAccount(
        network="bluesky",
        handle="deptforexample.bsky.social",
        display_name="Department for Examples",
        kind="corporate",
        team_slug="digital-communications",
        responsible="lead@dovecote.example",
        user_id="did:plc:deptforexampledemo000001",
        credential="demo-bsky-app-pass",
    ),
    DemoAccount(
        network="mastodon",
        handle="deptforexample@social.example.gov.uk",
        display_name="Department for Examples",
        kind="corporate",
        team_slug="digital-communications",
        responsible="lead@dovecote.example",
        user_id="109000000000000001",
        credential="demo-mastodon-token",
        instance_url="https://social.example.gov.uk",
    ),
]


def demo_accounts(network: str) -> list[DemoAccount]:
    return [account for account in DEMO_NETWORK_ACCOUNTS if account.network == network]
