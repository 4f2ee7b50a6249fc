#!/usr/bin/env bash
# Flink's SQL client (bin/sql-client.sh) from Maven artifacts, in embedded mode against the
# cluster of deploy/cluster.sh. Run the Flink SQL that mzflink translate prints, unchanged; the
# mzflink jar carries the connectors it uses (postgres-cdc and mzflink-results):
#
#   java -jar job/target/mzflink.jar translate script.sql --show-secrets -o script.flink.sql
#   deploy/sql-client.sh -j job/target/mzflink.jar -f script.flink.sql
set -euo pipefail
# shellcheck source=deploy/client.sh
source "$(dirname "${BASH_SOURCE[0]}")/client.sh"
run_flink_client sql-client-classpath.txt sql-client.log org.apache.flink.table.client.SqlClient embedded "$@"
