"""videoxapi: xAPI statements from video viewing, delivered to Learning Record Stores."""

__version__ = "0.1.0"
