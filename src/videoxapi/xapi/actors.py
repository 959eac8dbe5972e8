"""Who the statement is about, under the site's identification rule."""

from __future__ import annotations

from typing import Any


def actor(user: dict[str, Any], *, site_url: str, account_only: bool) -> dict[str, Any]:
    """`mbox` when the user has an email (and the site allows it); otherwise the
    account form `{homePage: siteUrl, name: userId}`. With `account_only`
    (sendAccountInfoInsteadOfEmail) neither email nor display name is sent."""
    agent: dict[str, Any] = {"objectType": "Agent"}
    email = user.get("email")
    if email and not account_only:
        agent["mbox"] = f"mailto:{email}"
    else:
        agent["account"] = {"homePage": site_url, "name": user["id"]}
    name = user.get("name")
    if name and not account_only:
        agent["name"] = name
    return agent
