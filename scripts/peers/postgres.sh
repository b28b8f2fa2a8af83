#!/usr/bin/env bash
# postgres.sh start DIR [PORT] | stop DIR: a throwaway PostgreSQL (Debian's, 15 here) with its
# cluster in DIR/data: trust authentication, superuser `postgres`, C collation, no fsync. The
# reference for PostgreSQL's answers. Run as root, the server runs as `postgres`, which must be
# able to reach DIR (a `mktemp -d` directory is 0700: chmod 755 it).
# PEERS_PG_OPTIONS adds server options (`-c max_connections=600`).
# Exports PGHOST PGPORT PGUSER PGDATABASE PEERS_PG_URL PEERS_PG_JDBC_URL.
set -euo pipefail
PEER=postgres
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parse_args "$@"
DATA="$STATE/data"
stop_or_check "$DATA" INT   # SIGINT: PostgreSQL's fast shutdown

[ -x "$PEERS_PG_BIN/initdb" ] || die "no PostgreSQL in $PEERS_PG_BIN: run $PEERS_DIR/install.sh"
as_owner=()
if [ "$(id -u)" = 0 ]; then
  as_owner=(runuser -u postgres --)
  "${as_owner[@]}" test -x "$STATE" || die "the postgres user cannot reach $STATE (chmod o+x its parents)"
  chown postgres: "$STATE"
fi
if [ ! -f "$DATA/PG_VERSION" ]; then
  "${as_owner[@]}" "$PEERS_PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C --no-sync \
    >"$STATE/initdb.log" 2>&1 || { show_log "$STATE/initdb.log"; die "initdb failed"; }
fi
# A postmaster.pid left by a killed server blocks the start; it is stale unless that server lives.
if [ -f "$DATA/postmaster.pid" ]; then
  ours "$(head -1 "$DATA/postmaster.pid")" "$DATA" && die "a server already runs on $DATA"
  rm -f "$DATA/postmaster.pid"
fi
# The socket goes in DIR/data when the path fits a socket address; TCP only otherwise.
socket_dir="$DATA"
[ ${#socket_dir} -le 90 ] || socket_dir=""
"${as_owner[@]}" "$PEERS_PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -W start -o "-p $PORT \
  -c listen_addresses=127.0.0.1 -c unix_socket_directories='$socket_dir' -c fsync=off \
  -c synchronous_commit=off -c full_page_writes=off ${PEERS_PG_OPTIONS:-}" >/dev/null
# pg_ctl -W returns at once; the postmaster writes its pid as the first line of postmaster.pid.
t0=$SECONDS
until pid="$(head -1 "$DATA/postmaster.pid" 2>/dev/null)" && [[ "$pid" =~ ^[0-9]+$ ]]; do
  (( SECONDS - t0 < 30 )) || { show_log "$LOG"; die "the postmaster did not start"; }
  sleep 0.1
done
echo "$pid" >"$PIDFILE"
wait_ready "$pid" "$PEERS_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres
write_env PGHOST=127.0.0.1 "PGPORT=$PORT" PGUSER=postgres PGDATABASE=postgres \
  "PEERS_PG_URL=postgresql://postgres@127.0.0.1:$PORT/postgres" \
  "PEERS_PG_JDBC_URL=jdbc:postgresql://127.0.0.1:$PORT/postgres?user=postgres"
