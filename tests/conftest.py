"""Fixtures shared by every tier; each support module registers its own."""

pytest_plugins = [
    "support.validator",
    "support.peers",
    "support.databases",
]
