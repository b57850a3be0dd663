from contextlib import contextmanager

import psycopg2

_pool = []


def open_pool() -> None:
    _pool.append(psycopg2.connect("dbname=shop"))


def close_pool() -> None:
    for connection in _pool:
        connection.close()


@contextmanager
def get_connection():
    connection = psycopg2.connect("dbname=shop")
    yield connection
    connection.close()


def get_session():
    session = psycopg2.connect("dbname=shop")
    yield session
    session.close()
