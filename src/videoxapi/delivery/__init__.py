"""Delivery: the LRS client and its auth, what LRS answers mean, and the outbox worker."""

from videoxapi.delivery.check import CheckReport, check_lrs
from videoxapi.delivery.client import HttpConfig, LrsClient, make_http_client
from videoxapi.delivery.decisions import RetryPolicy, decide
from videoxapi.delivery.worker import Worker, WorkerConfig

__all__ = [
    "CheckReport",
    "HttpConfig",
    "LrsClient",
    "RetryPolicy",
    "Worker",
    "WorkerConfig",
    "check_lrs",
    "decide",
    "make_http_client",
]
