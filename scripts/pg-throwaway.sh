#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster (as user postgres: initdb refuses root) on a free port and
# prints its admin URL. Usage: eval "$(scripts/pg-throwaway.sh)"  -> exports STAGECRAFT_TEST_PG_URL.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bindir" ] || { echo "postgresql is not installed" >&2; exit 1; }
dir=$(mktemp -d /tmp/stagecraft-pg-XXXXXX)
chown postgres:postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
runuser -u postgres -- "$bindir/initdb" -D "$dir/data" --auth=trust -U postgres >/dev/null
runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
echo "export STAGECRAFT_TEST_PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
echo "export STAGECRAFT_TEST_PG_DIR=$dir"
