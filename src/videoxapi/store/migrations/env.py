"""Run the migrations on the connection `Store.migrate()` hands over.

There is no alembic.ini and no URL here: the caller opens a transaction on its own
engine and passes the connection in `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context

from videoxapi.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the migrations through videoxapi's Store.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
