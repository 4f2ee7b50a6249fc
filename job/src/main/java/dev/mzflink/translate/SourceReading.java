package dev.mzflink.translate;

/**
 * How a pipeline reads its sources upstream, which decides the replication slots and WAL senders it
 * opens.
 */
public enum SourceReading {
  /** {@code mzflink run}: one replication slot and WAL sender per source, mzflink's normalizer. */
  ONE_SLOT_PER_SOURCE,
  /** The translated Flink SQL as is: one postgres-cdc table, slot and WAL sender per table. */
  PER_TABLE_SQL
}
