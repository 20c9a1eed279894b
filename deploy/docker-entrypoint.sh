#!/bin/sh
# Patchbay's container entrypoint: refuses to start without a database server, then replaces itself
# with the command (exec), so the container runtime's signals reach node directly.
set -eu
if [ -z "${DATABASE_URL:-}" ]; then
  echo "patchbay: DATABASE_URL must be set in a container (the embedded database is for local use only)" >&2
  exit 78
fi
exec "$@"
