# Helpers for the peer scripts; sourced, not run.
#
# Every server script is `NAME.sh start DIR [PORT] [ARGS...]` or `NAME.sh stop DIR`. DIR holds the
# server's state: its data, NAME.pid, NAME.log, and NAME.env, the `export` lines a client sources
# after start (they are also printed on stdout; messages go to stderr). PORT 0 or no PORT picks a
# free loopback port. Servers bind 127.0.0.1 only.

. "$(dirname "${BASH_SOURCE[0]}")/env.sh"

: "${PEERS_START_TIMEOUT:=120}"   # seconds a server has to answer after start
: "${PEERS_STOP_TIMEOUT:=30}"     # seconds between SIGTERM and SIGKILL

say() { printf '%s: %s\n' "$PEER" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PEER" "$*" >&2; exit 1; }

# free_port: a port nothing listens on now (the kernel's pick for an ephemeral bind).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# parse_args "$@": sets ACTION, STATE (absolute, physical), PORT (start only), EXTRA (the rest),
# PIDFILE, LOG, ENVFILE.
parse_args() {
  local usage="usage: $(basename "$0") start DIR [PORT]${PEER_USAGE:-} | stop DIR"
  [ $# -ge 2 ] || die "$usage"
  ACTION="$1" && shift
  case "$ACTION" in
    start) ;;
    stop) [ -d "$1" ] || { say "not running (no $1)"; exit 0; } ;;
    *) die "$usage" ;;
  esac
  mkdir -p "$1"
  STATE="$(cd "$1" && pwd -P)" && shift
  PORT=0
  if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then PORT="$1" && shift; fi
  [ "$ACTION" = start ] && [ "$PORT" = 0 ] && PORT="$(free_port)"
  EXTRA=("$@")
  PIDFILE="$STATE/$PEER.pid"
  LOG="$STATE/$PEER.log"
  ENVFILE="$STATE/$PEER.env"
}

port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# alive PID: the process exists and has not exited (a zombie waits for its parent to reap it).
alive() {
  local state
  state="$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# ours PID MARKER: alive, and its command line holds MARKER (a recycled pid is someone else's).
ours() {
  [ -n "$1" ] && alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# ensure_stopped MARKER: refuse a second server on the same DIR or on a taken port.
ensure_stopped() {
  if [ -f "$PIDFILE" ]; then
    local pid
    pid="$(cat "$PIDFILE")"
    ours "$pid" "$1" && die "already running in $STATE (pid $pid)"
    rm -f "$PIDFILE"
  fi
  port_answers "$PORT" && die "127.0.0.1:$PORT is taken"
  rm -f "$ENVFILE"
}

show_log() {
  # Java stack frames say little here; the messages above them say what went wrong.
  printf -- '--- end of %s ---\n' "$1" >&2
  grep -v -E '^[[:space:]]+(at |\.\.\. [0-9]+ more)' "$1" 2>/dev/null | tail -n "${2:-40}" >&2 || true
  printf -- '---\n' >&2
}

# launch CMD...: runs CMD detached in STATE, its output in LOG, its pid in PIDFILE and LAUNCHED.
launch() {
  (cd "$STATE" && exec nohup "$@" >"$LOG" 2>&1 </dev/null) &
  LAUNCHED=$!
  echo "$LAUNCHED" >"$PIDFILE"
}

# wait_ready PID [CHECK...]: until 127.0.0.1:PORT answers and CHECK (if any) succeeds. On a
# timeout or an early exit, shows the log, kills PID and fails.
wait_ready() {
  local pid="$1" t0=$SECONDS && shift
  until port_answers "$PORT" && { [ $# -eq 0 ] || "$@" >/dev/null 2>&1; }; do
    if ! alive "$pid"; then
      rm -f "$PIDFILE" && show_log "$LOG"
      die "exited before 127.0.0.1:$PORT answered"
    fi
    if (( SECONDS - t0 >= PEERS_START_TIMEOUT )); then
      show_log "$LOG"
      kill "$pid" 2>/dev/null || true
      rm -f "$PIDFILE"
      die "127.0.0.1:$PORT did not answer within ${PEERS_START_TIMEOUT}s (PEERS_START_TIMEOUT)"
    fi
    sleep 0.2
  done
  say "pid $pid answers on 127.0.0.1:$PORT after $((SECONDS - t0)) s (log $LOG)"
}

# stop_or_check MARKER [SIGNAL]: for `stop`, stops the server (stop_pid), then calls the
# script's `on_stop` where it defines one, and exits; for `start`, refuses a second server on
# DIR or on a taken port (ensure_stopped).
stop_or_check() {
  if [ "$ACTION" = stop ]; then
    stop_pid "$@"
    if declare -F on_stop >/dev/null; then on_stop; fi
    exit 0
  fi
  ensure_stopped "$1"
}

# stop_pid MARKER [SIGNAL]: stops the process of PIDFILE, if it is still ours.
stop_pid() {
  local marker="$1" signal="${2:-TERM}" pid t0=$SECONDS
  [ -f "$PIDFILE" ] || { say "not running"; return 0; }
  pid="$(cat "$PIDFILE")"
  rm -f "$PIDFILE"
  ours "$pid" "$marker" || { say "not running (pid $pid is gone)"; return 0; }
  kill "-$signal" "$pid" 2>/dev/null || true
  while alive "$pid"; do
    if (( SECONDS - t0 >= PEERS_STOP_TIMEOUT )); then
      say "pid $pid outlived SIGTERM by ${PEERS_STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  say "stopped pid $pid"
}

# write_env NAME=VALUE...: the client's settings, on stdout and in ENVFILE.
write_env() {
  local kv
  for kv in "$@"; do printf 'export %s\n' "$kv"; done | tee "$ENVFILE"
}

need_venv() {
  [ -x "$PEERS_PYTHON" ] || die "the peers are not installed; run $PEERS_DIR/install.sh"
}

# maven_jar GROUP:ARTIFACT:VERSION[:CLASSIFIER]: the jar's path in PEERS_MAVEN, fetched from
# Maven Central first if missing, and checked against the SHA-1 the repository publishes.
maven_jar() {
  maven_file "$1" jar
}

# maven_file GROUP:ARTIFACT:VERSION[:CLASSIFIER] EXTENSION: as maven_jar, for any packaging.
maven_file() {
  local group artifact version classifier file rel dest sum
  IFS=: read -r group artifact version classifier <<<"$1"
  file="$artifact-$version${classifier:+-$classifier}.$2"
  rel="${group//.//}/$artifact/$version/$file"
  dest="$PEERS_MAVEN/$rel"
  if [ ! -s "$dest" ]; then
    mkdir -p "$(dirname "$dest")"
    say "fetching $1 from $PEERS_MAVEN_URL"
    curl -fsSL --retry 3 -o "$dest.part" "$PEERS_MAVEN_URL/$rel" || die "could not fetch $PEERS_MAVEN_URL/$rel"
    sum="$(curl -fsSL --retry 3 "$PEERS_MAVEN_URL/$rel.sha1" | cut -c1-40)" || die "no SHA-1 for $rel"
    [ "$(sha1sum "$dest.part" | cut -c1-40)" = "$sum" ] || { rm -f "$dest.part"; die "$file: SHA-1 mismatch"; }
    mv "$dest.part" "$dest"
  fi
  printf '%s\n' "$dest"
}

# spark_jars PATTERN...: the classpath of the pyspark jars matching each pattern (each must match).
spark_jars() {
  local cp="" pattern jar found
  for pattern in "$@"; do
    found=0
    for jar in "$PEERS_SPARK_JARS"/$pattern; do
      [ -f "$jar" ] && cp="$cp${cp:+:}$jar" && found=1
    done
    [ $found = 1 ] || die "no $pattern among pyspark's jars ($PEERS_SPARK_JARS)"
  done
  printf '%s\n' "$cp"
}
