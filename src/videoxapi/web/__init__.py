"""The ASGI service: ingestion and activity APIs, admin and operations pages, the
player plugin, health and metrics. Built by `create_app`, never at import time."""
