# Shared by up, status, down and chaos. Three nations, each a network namespace ("host") on one
# bridge; every process is started from the built distribution and recorded in $CLUSTER/pids.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
CLUSTER="${ENTENTE_CLUSTER_DIR:-$repo/target/local-cluster}"
NATIONS=(DE FR JP)
BRIDGE=entente-br0
SUBNET_PREFIX=10.77.0
HOST_ADDR=$SUBNET_PREFIX.254
ZK_PORT=2281
COORD_PORT=7443
METRICS_PORT=9400
AGENTS_PER_NATION=2

die() { echo "local-cluster: $*" >&2; exit 1; }
say() { echo "local-cluster: $*" >&2; }
lower() { echo "$1" | tr '[:upper:]' '[:lower:]'; }
ns() { echo "entente-$(lower "$1")"; }
index() { local i; for i in "${!NATIONS[@]}"; do [ "${NATIONS[$i]}" = "$1" ] && { echo $((i + 1)); return; }; done; die "unknown nation $1 (one of ${NATIONS[*]})"; }
addr() { echo "$SUBNET_PREFIX.$(index "$1")"; }

# The distribution's launcher: ENTENTE_HOME, else the one Maven builds under dist/target.
entente_home() {
  if [ -n "${ENTENTE_HOME:-}" ]; then echo "$ENTENTE_HOME"; return; fi
  local d
  d="$(ls -d "$repo"/dist/target/entente-*/ 2>/dev/null | head -1)"
  [ -n "$d" ] && [ -x "$d/bin/entente" ] || die "no distribution: build it with 'mvn -B -DskipTests package -pl dist -am' (or set ENTENTE_HOME)"
  echo "${d%/}"
}

need_root() {
  [ "$(id -u)" = 0 ] || die "needs root (network namespaces, veth, nft)"
  command -v ip >/dev/null || die "needs iproute2 (ip)"
  command -v nft >/dev/null || die "needs nftables (nft): apt-get install nftables"
}

pidfile() { echo "$CLUSTER/pids/$1.pid"; }
alive() { local f; f="$(pidfile "$1")"; [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; }
# Process names: zk-de, coordinator-de, agent-de-1 ...
processes() {
  local n i
  for n in "${NATIONS[@]}"; do echo "zk-$(lower "$n")"; done
  for n in "${NATIONS[@]}"; do echo "coordinator-$(lower "$n")"; done
  for n in "${NATIONS[@]}"; do for i in $(seq 1 $AGENTS_PER_NATION); do echo "agent-$(lower "$n")-$i"; done; done
}
nation_of() { echo "$1" | sed -E 's/^[a-z]+-([a-z]+).*/\1/' | tr '[:lower:]' '[:upper:]'; }

# Starts process $1 in its nation's namespace from its recorded command line.
start_process() {
  local name="$1" n cmd
  n="$(nation_of "$name")"
  cmd="$(cat "$CLUSTER/cmd/$name")"
  mkdir -p "$CLUSTER/logs" "$CLUSTER/pids"
  # ip netns exec execs the command, and the launcher execs java: $! is the JVM.
  # shellcheck disable=SC2086
  setsid ip netns exec "$(ns "$n")" env JAVA_OPTS="${JAVA_OPTS_CLUSTER:--Xmx384m -XX:+UseSerialGC}" $cmd \
    >>"$CLUSTER/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$name")"
}

stop_process() {
  local name="$1" sig="${2:-TERM}" f pid
  f="$(pidfile "$name")"
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  kill -CONT "$pid" 2>/dev/null || true
  kill -"$sig" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$f"
}
