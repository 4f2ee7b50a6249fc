#!/usr/bin/env bash
# A local Flink standalone session cluster from Maven artifacts (no Flink download, no Docker):
# a JobManager and TaskManagers as separate JVMs on the classpath deploy/pom.xml resolves, with
# the configuration in flink-conf/.
#
#   deploy/cluster.sh start [--taskmanagers N] [--work-dir DIR] [-D key=value ...]
#   deploy/cluster.sh add-taskmanager [--work-dir DIR]
#   deploy/cluster.sh status [--work-dir DIR]
#   deploy/cluster.sh stop [--work-dir DIR]
#
# DIR (default deploy/work) holds the process ids, logs (DIR/log) and the -D settings given to
# start, which later commands reuse: e.g. -D rest.port=8082 -D jobmanager.rpc.port=6124 run a
# second cluster beside the first. The web UI and REST API are at http://localhost:<rest.port>.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
conf="${FLINK_CONF_DIR:-$root/flink-conf}"

die() { echo "cluster.sh: $*" >&2; exit 1; }

command="${1:-}"
[[ -n "$command" ]] || die "usage: cluster.sh start|add-taskmanager|status|stop [--taskmanagers N] [--work-dir DIR] [-D key=value ...]"
shift
taskmanagers=1
work="$root/deploy/work"
dynamic=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --taskmanagers) taskmanagers="$2"; shift 2 ;;
    --work-dir) work="$2"; shift 2 ;;
    -D) dynamic+=("-D" "$2"); shift 2 ;;
    -D*) dynamic+=("-D" "${1#-D}"); shift ;;
    *) die "unknown argument: $1" ;;
  esac
done
mkdir -p "$work/log"

# The cluster classpath (Flink's lib/ as Maven artifacts); resolved once.
classpath_file="$root/deploy/target/flink-classpath.txt"
if [[ ! -s "$classpath_file" ]]; then
  echo "Resolving the Flink classpath with Maven (first use) ..." >&2
  (cd "$root" && mvn -B -q -f deploy/pom.xml generate-resources) >&2
fi
classpath="$(cat "$classpath_file")"

# Settings of this cluster: from start's -D arguments, kept for the later commands.
settings="$work/dynamic.properties"
if [[ "$command" == start ]]; then
  : > "$settings"
  for ((i = 1; i < ${#dynamic[@]}; i += 2)); do echo "${dynamic[i]}" >> "$settings"; done
fi
dynamic=()
if [[ -f "$settings" ]]; then
  while IFS= read -r line; do [[ -n "$line" ]] && dynamic+=("-D" "$line"); done < "$settings"
fi

setting() { # setting KEY DEFAULT: a -D setting of this cluster, else flink-conf, else DEFAULT
  local key="$1" value=""
  if [[ -f "$settings" ]]; then value="$(grep -E "^${key//./\\.}=" "$settings" | tail -n 1 | cut -d= -f2- || true)"; fi
  if [[ -z "$value" ]]; then value="$(grep -E "^${key//./\\.}:" "$conf/config.yaml" | head -n 1 | cut -d: -f2- | sed 's/^ *//' || true)"; fi
  echo "${value:-$2}"
}

rest_url() { echo "http://$(setting rest.address localhost):$(setting rest.port 8081)"; }

java_opts() { setting env.java.opts.all ""; }

# Memory flags and derived settings, computed by Flink itself (as Flink's bin/ scripts do).
resource_params() { # resource_params GET_JM_RESOURCE_PARAMS|GET_TM_RESOURCE_PARAMS -> two lines
  java -cp "$classpath" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$conf" "${dynamic[@]}" 2>/dev/null \
    | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_process() { # start_process NAME MAIN_CLASS JVM_FLAGS [ARGS...]
  local name="$1" main="$2" flags="$3"; shift 3
  # shellcheck disable=SC2086 # flags are whitespace-separated JVM options
  nohup java $(java_opts) $flags \
    -Dlog.file="$work/log/$name.log" \
    -Dlog4j.configuration="file:$conf/log4j.properties" \
    -Dlog4j.configurationFile="file:$conf/log4j.properties" \
    -Djava.io.tmpdir="$work/tmp" \
    -cp "$classpath" "$main" --configDir "$conf" "$@" "${dynamic[@]}" \
    > "$work/log/$name.out" 2>&1 < /dev/null &
  echo $! > "$work/$name.pid"
}

start_taskmanager() {
  local n=1
  while [[ -f "$work/taskmanager-$n.pid" ]] && alive "$work/taskmanager-$n.pid"; do n=$((n + 1)); done
  # A new TaskManager under the number of a dead one: keep the old log apart.
  for f in "$work/log/taskmanager-$n.log" "$work/log/taskmanager-$n.out"; do
    [[ -f "$f" ]] && mv "$f" "$f.$(date +%s%N)"
  done
  local params jvm_flags tm_dynamic
  params="$(resource_params GET_TM_RESOURCE_PARAMS)"
  jvm_flags="$(echo "$params" | sed -n 1p)"
  tm_dynamic="$(echo "$params" | sed -n 2p)"
  [[ -n "$jvm_flags" ]] || die "Flink could not compute the TaskManager's memory (see flink-conf/config.yaml)"
  # shellcheck disable=SC2086 # tm_dynamic is a list of -D key=value arguments
  start_process "taskmanager-$n" org.apache.flink.runtime.taskexecutor.TaskManagerRunner "$jvm_flags" $tm_dynamic
  echo "TaskManager $n: pid $(cat "$work/taskmanager-$n.pid"), log $work/log/taskmanager-$n.log"
  started=$n
}

registered_taskmanagers() {
  curl -sf "$(rest_url)/overview" 2>/dev/null | sed -n 's/.*"taskmanagers":\([0-9]*\).*/\1/p'
}

await_registration() { # await_registration N: TaskManager N has registered with the JobManager
  local log="$work/log/taskmanager-$1.log"
  for _ in $(seq 1 120); do
    if grep -q "Successful registration at resource manager" "$log" 2>/dev/null; then return 0; fi
    alive "$work/taskmanager-$1.pid" || die "TaskManager $1 exited; see $log and taskmanager-$1.out"
    alive "$work/jobmanager.pid" || die "the JobManager exited; see $work/log/jobmanager.log and jobmanager.out"
    sleep 0.5
  done
  die "TaskManager $1 did not register within 60 s; see $log"
}

await_rest() {
  for _ in $(seq 1 120); do
    curl -sf "$(rest_url)/overview" > /dev/null 2>&1 && return 0
    alive "$work/jobmanager.pid" || die "the JobManager exited; see $work/log/jobmanager.log and jobmanager.out"
    sleep 0.5
  done
  die "the JobManager's REST API did not answer at $(rest_url) within 60 s"
}

stop_all() {
  local pids=()
  for f in "$work"/taskmanager-*.pid "$work"/jobmanager.pid; do
    [[ -f "$f" ]] || continue
    if alive "$f"; then pids+=("$(cat "$f")"); kill "$(cat "$f")" 2>/dev/null || true; fi
    rm -f "$f"
  done
  for _ in $(seq 1 60); do
    local running=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && running=1; done
    [[ $running == 0 ]] && break
    sleep 0.5
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work/tmp"
  echo "Stopped."
}

case "$command" in
  start)
    alive "$work/jobmanager.pid" && die "a cluster is running (pid $(cat "$work/jobmanager.pid")); stop it first"
    rm -f "$work"/taskmanager-*.pid
    mkdir -p "$work/tmp"
    params="$(resource_params GET_JM_RESOURCE_PARAMS)"
    jm_flags="$(echo "$params" | sed -n 1p)"
    [[ -n "$jm_flags" ]] || die "Flink could not compute the JobManager's memory (see flink-conf/config.yaml)"
    start_process jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint "$jm_flags" --executionMode cluster
    echo "JobManager: pid $(cat "$work/jobmanager.pid"), log $work/log/jobmanager.log"
    numbers=()
    for _ in $(seq 1 "$taskmanagers"); do start_taskmanager; numbers+=("$started"); done
    await_rest
    for n in "${numbers[@]}"; do await_registration "$n"; done
    echo "Flink cluster running: $(rest_url) ($taskmanagers TaskManager(s))."
    ;;
  add-taskmanager)
    alive "$work/jobmanager.pid" || die "no cluster is running in $work"
    mkdir -p "$work/tmp"
    start_taskmanager
    await_registration "$started"
    ;;
  status)
    if alive "$work/jobmanager.pid"; then
      echo "JobManager pid $(cat "$work/jobmanager.pid"), $(rest_url), $(registered_taskmanagers || echo '?') TaskManager(s) registered"
    else
      echo "No cluster is running in $work."
      exit 1
    fi
    ;;
  stop)
    stop_all
    ;;
  *)
    die "unknown command: $command"
    ;;
esac
