"""Storage: SQLAlchemy 2 implementations of the core's ports, on SQLite or PostgreSQL.

``engine`` builds engines, ``orm`` declares the schema, ``migrations`` (Alembic) create it,
``repositories`` map rows to the domain and ``uow`` wraps one transaction.
"""
