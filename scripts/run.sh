#!/usr/bin/env bash
# Starts the web server, one Celery worker and Celery beat in the foreground; Ctrl-C stops all three.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
mkdir -p var
trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
$VENV/bin/celery -A programme worker --loglevel=INFO --concurrency=2 &
$VENV/bin/celery -A programme beat --loglevel=INFO &
echo
echo "The portal is at http://127.0.0.1:8000/  (Ctrl-C stops the web server, the worker and beat)"
echo
$VENV/bin/python manage.py runserver 127.0.0.1:8000 &
wait -n
