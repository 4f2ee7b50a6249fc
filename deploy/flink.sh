#!/usr/bin/env bash
# Flink's command line (bin/flink) from Maven artifacts, configured by flink-conf/: submits to the
# cluster of deploy/cluster.sh (rest.address/rest.port, or -m host:port).
#
#   deploy/flink.sh run -d job/target/mzflink.jar run script.sql --results-url JDBC_URL
#   deploy/flink.sh list
#   deploy/flink.sh stop --savepointPath file:///tmp/mzflink/savepoints JOB_ID
#   deploy/flink.sh run -d -s SAVEPOINT job/target/mzflink.jar run script.sql --results-url JDBC_URL --from-savepoint SAVEPOINT
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export FLINK_CONF_DIR="${FLINK_CONF_DIR:-$root/flink-conf}"
classpath_file="$root/deploy/target/flink-classpath.txt"
if [[ ! -s "$classpath_file" ]]; then
  echo "Resolving the Flink classpath with Maven (first use) ..." >&2
  (cd "$root" && mvn -B -q -f deploy/pom.xml generate-resources) >&2
fi
log_dir="${FLINK_LOG_DIR:-$root/deploy/work/log}"
mkdir -p "$log_dir"
opts="$(grep -E '^env\.java\.opts\.all:' "$FLINK_CONF_DIR/config.yaml" | cut -d: -f2- || true)"
# shellcheck disable=SC2086 # opts is a list of JVM options
exec java $opts \
  -Dlog.file="$log_dir/flink-client.log" \
  -Dlog4j.configurationFile="file:$FLINK_CONF_DIR/log4j-cli.properties" \
  -cp "$(cat "$classpath_file")" org.apache.flink.client.cli.CliFrontend "$@"
