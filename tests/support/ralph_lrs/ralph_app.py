"""Ralph's LRS app for the integration tests, with one workaround (test peer only).

Served by `.peers/ralph/bin/python -m uvicorn ralph_app:app --app-dir <this directory>`.
"""

from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

# Ralph 5.1.0's fs backend writes with its default operation "create", which refuses
# every write after the first (the file exists). Appending is what an LRS needs. This is
# a workaround in the test fixture only; it must run before ralph.api builds its backend.
FSLRSBackend.default_operation_type = BaseOperationType.APPEND

from ralph.api import app  # noqa: E402

__all__ = ["app"]
