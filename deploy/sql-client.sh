#!/usr/bin/env bash
# Flink's SQL client (bin/sql-client.sh) from Maven artifacts, in embedded mode against the
# cluster of deploy/cluster.sh. Run the Flink SQL that mzflink translate prints, unchanged; the
# mzflink jar carries the connectors it uses (postgres-cdc and mzflink-results):
#
#   java -jar job/target/mzflink.jar translate script.sql --show-secrets -o script.flink.sql
#   deploy/sql-client.sh -j job/target/mzflink.jar -f script.flink.sql
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export FLINK_CONF_DIR="${FLINK_CONF_DIR:-$root/flink-conf}"
classpath_file="$root/deploy/target/sql-client-classpath.txt"
if [[ ! -s "$classpath_file" ]]; then
  echo "Resolving the Flink classpath with Maven (first use) ..." >&2
  (cd "$root" && mvn -B -q -f deploy/pom.xml generate-resources) >&2
fi
log_dir="${FLINK_LOG_DIR:-$root/deploy/work/log}"
mkdir -p "$log_dir"
opts="$(grep -E '^env\.java\.opts\.all:' "$FLINK_CONF_DIR/config.yaml" | cut -d: -f2- || true)"
# shellcheck disable=SC2086 # opts is a list of JVM options
exec java $opts \
  -Dlog.file="$log_dir/sql-client.log" \
  -Dlog4j.configurationFile="file:$FLINK_CONF_DIR/log4j-cli.properties" \
  -cp "$(cat "$classpath_file")" org.apache.flink.table.client.SqlClient embedded "$@"
