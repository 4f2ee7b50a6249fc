/**
 * Executes a {@link dev.mzflink.translate.FlinkPlan}: the Flink environment (RocksDB state,
 * checkpoints, a bounded restart strategy), job submission on a local MiniCluster or a cluster, and
 * what a pipeline owns upstream (replication slots) and in the results database.
 */
package dev.mzflink.runtime;
