#!/usr/bin/env bash
# Flink's command line (bin/flink) from Maven artifacts, configured by flink-conf/: submits to the
# cluster of deploy/cluster.sh (rest.address/rest.port, or -m host:port).
#
#   deploy/flink.sh run -d job/target/mzflink.jar run script.sql --results-url JDBC_URL
#   deploy/flink.sh list
#   deploy/flink.sh stop --savepointPath file:///tmp/mzflink/savepoints JOB_ID
#   deploy/flink.sh run -d -s SAVEPOINT job/target/mzflink.jar run script.sql --results-url JDBC_URL --from-savepoint SAVEPOINT
set -euo pipefail
# shellcheck source=deploy/client.sh
source "$(dirname "${BASH_SOURCE[0]}")/client.sh"
run_flink_client flink-classpath.txt flink-client.log org.apache.flink.client.cli.CliFrontend "$@"
