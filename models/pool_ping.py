"""The pool's ping before each checkout (``pool_pre_ping``, docs/faults.md) as one empty query sent by libpq, without
psycopg's autocommit switch and cursor around it (issue 18 item 2).

SQLAlchemy's psycopg dialect pings a connection by turning autocommit on, opening a cursor, executing ``;`` and
turning autocommit off again (sqlalchemy/dialects/postgresql/_psycopg_common.py ``do_ping``): each switch of
autocommit and the execution run psycopg's generator and wait machinery, some 90 µs of CPU at every request's
checkout. The same round trip — the server answers an empty query, or the connection is found dead — costs some
20 µs sent by libpq itself (``PGconn.exec_``, which blocks, as the sync workers do anyway: docs/deploy.md, gunicorn's
``sync`` workers). An empty query starts no transaction and changes nothing on the connection.

Only a connection psycopg holds idle and healthy is pinged so; any other state, and any answer but the empty
query's (a dead server, a broken socket), goes to the dialect's own ``do_ping``, which raises the driver's error
as before, so that SQLAlchemy's ``_do_ping_w_event`` sees the disconnect, invalidates the connection and makes a
new one: the request is served, as docs/faults.md says. tests/test_pool_ping.py kills a pooled connection's
server process and pins the code this relies on."""
from __future__ import annotations

import sqlalchemy as sa


def install(engine: sa.engine.Engine) -> None:
    """Ping ``engine``'s pooled connections with libpq's empty query (PostgreSQL through psycopg only; once)."""
    dialect = engine.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg" or getattr(dialect, "xmt_empty_ping", False):
        return
    from psycopg import pq

    idle, ok, empty = pq.TransactionStatus.IDLE, pq.ConnStatus.OK, pq.ExecStatus.EMPTY_QUERY
    dialect_ping = dialect.do_ping

    def do_ping(dbapi_connection) -> bool:
        pgconn = getattr(dbapi_connection, "pgconn", None)
        if (pgconn is not None and pgconn.status == ok and pgconn.transaction_status == idle
                and pgconn.pipeline_status == pq.PipelineStatus.OFF):
            result = pgconn.exec_(b";")
            if result is not None and result.status == empty:
                return True
        return dialect_ping(dbapi_connection)  # raises the driver's error on a dead connection

    dialect.do_ping = do_ping
    dialect.xmt_empty_ping = True
