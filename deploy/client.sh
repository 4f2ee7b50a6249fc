# Sourced by flink.sh and sql-client.sh: runs one of Flink's client entry points from Maven
# artifacts, configured by FLINK_CONF_DIR (default flink-conf/).
#
#   run_flink_client CLASSPATH_FILE LOG_NAME MAIN_CLASS [ARGS...]
run_flink_client() {
  local here root classpath_file log_dir opts
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  root="$(cd "$here/.." && pwd)"
  export FLINK_CONF_DIR="${FLINK_CONF_DIR:-$root/flink-conf}"
  classpath_file="$root/deploy/target/$1"
  if [[ ! -s "$classpath_file" ]]; then
    echo "Resolving the Flink classpath with Maven (first use) ..." >&2
    (cd "$root" && mvn -B -q -f deploy/pom.xml generate-resources) >&2
  fi
  log_dir="${FLINK_LOG_DIR:-$root/deploy/work/log}"
  mkdir -p "$log_dir"
  opts="$(grep -E '^env\.java\.opts\.all:' "$FLINK_CONF_DIR/config.yaml" | cut -d: -f2- || true)"
  # shellcheck disable=SC2086 # opts is a list of JVM options
  exec java $opts \
    -Dlog.file="$log_dir/$2" \
    -Dlog4j.configurationFile="file:$FLINK_CONF_DIR/log4j-cli.properties" \
    -cp "$(cat "$classpath_file")" "${@:3}"
}
