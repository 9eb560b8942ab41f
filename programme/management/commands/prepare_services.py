"""Checks that PostgreSQL and Redis answer, and creates the portal's database if it is missing."""

from __future__ import annotations

import psycopg2
import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg2 import sql

POSTGRES_HINT = (
    "Start it (on Debian: `pg_ctlcluster 15 main start` or `service postgresql start`), "
    "or set DATABASE_URL to a server that runs."
)
REDIS_HINT = "Start it (`redis-server --daemonize yes` or `service redis-server start`), or set REDIS_URL to a server that runs."


class Command(BaseCommand):
    help = "Check that PostgreSQL and Redis can be reached and create the database if it does not exist."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-redis", action="store_true", help="check PostgreSQL only")

    def handle(self, *args, no_redis: bool = False, **options) -> None:
        database = settings.DATABASES["default"]
        address = f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
        try:
            connection = psycopg2.connect(
                dbname="postgres",
                user=database.get("USER") or None,
                password=database.get("PASSWORD") or None,
                host=database.get("HOST") or None,
                port=database.get("PORT") or None,
                connect_timeout=3,
            )
        except psycopg2.OperationalError as error:
            raise CommandError(
                f"PostgreSQL cannot be reached at {address}: {str(error).strip()}\n{POSTGRES_HINT}"
            ) from error
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
                self.stdout.write(f"Created the database {database['NAME']} at {address}.")
        connection.close()
        if no_redis:
            return
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            raise CommandError(
                f"Redis cannot be reached at {settings.REDIS_URL}: {error}\n{REDIS_HINT}"
            ) from error
