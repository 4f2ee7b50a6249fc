package dev.mzflink.source;

import org.apache.flink.api.connector.source.SourceSplit;

/**
 * A unit of work of a source: a range of one table's snapshot, or the source's stream of changes.
 */
public sealed interface PgSplit extends SourceSplit permits SnapshotSplit, StreamSplit {}
