/**
 * How {@code mzflink run} reads a source: one Flink CDC incremental source over all of the
 * publication's tables through ONE replication slot, mzflink's own locked snapshot for tables the
 * incremental snapshot cannot read exactly, and a state-backed normalizer that turns the
 * connector's changes into an exact changelog per table (keys, duplicates, TOAST, TRUNCATE).
 */
package dev.mzflink.runtime.cdc;
