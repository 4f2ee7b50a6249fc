package dev.mzflink.runtime.cdc;

import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.base.config.SourceConfig;
import org.apache.flink.cdc.connectors.base.source.meta.offset.OffsetFactory;
import org.apache.flink.cdc.connectors.base.source.meta.split.SnapshotSplit;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceRecords;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitState;
import org.apache.flink.cdc.connectors.base.source.meta.wartermark.WatermarkEvent;
import org.apache.flink.cdc.connectors.base.source.metrics.SourceReaderMetrics;
import org.apache.flink.cdc.connectors.base.source.reader.IncrementalSourceRecordEmitter;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfigFactory;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.connector.base.source.reader.RecordEmitter;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Flink CDC's PostgreSQL incremental source, with snapshot chunks made visible downstream: each
 * snapshot row carries the chunk (split) it was read in, and the end of a chunk is a {@link
 * ChangeRecord#CHUNK_DONE} record after its last row. The normalizer holds a chunk's rows back
 * until then: a checkpoint taken while a chunk is half emitted must not keep its rows, because
 * after a restore the chunk is read again and changes between the two reads are not streamed (Flink
 * CDC filters changes older than the new read), so a row deleted in between would stay.
 */
final class ChunkAwareSource extends PostgresIncrementalSource<ChangeRecord> {
  private static final long serialVersionUID = 1L;

  private final ChangeDeserializer deserializer;

  ChunkAwareSource(
      PostgresSourceConfigFactory config,
      ChangeDeserializer deserializer,
      PostgresOffsetFactory offsets,
      PostgresDialect dialect) {
    super(config, deserializer, offsets, dialect);
    this.deserializer = deserializer;
  }

  @Override
  protected RecordEmitter<SourceRecords, ChangeRecord, SourceSplitState> createRecordEmitter(
      SourceConfig config, SourceReaderMetrics metrics) {
    return new ChunkRecordEmitter(
        deserializer, metrics, config.isIncludeSchemaChanges(), offsetFactory);
  }

  /** Tells the deserializer which chunk a snapshot row belongs to, and marks each chunk's end. */
  static final class ChunkRecordEmitter extends IncrementalSourceRecordEmitter<ChangeRecord> {
    private final ChangeDeserializer deserializer;
    private SourceSplitState lastState;
    private SnapshotSplit lastSplit;

    ChunkRecordEmitter(
        ChangeDeserializer deserializer,
        SourceReaderMetrics metrics,
        boolean includeSchemaChanges,
        OffsetFactory offsets) {
      super(deserializer, metrics, includeSchemaChanges, offsets);
      this.deserializer = deserializer;
    }

    @Override
    protected void processElement(
        SourceRecord element, SourceOutput<ChangeRecord> output, SourceSplitState state)
        throws Exception {
      SnapshotSplit split = null;
      if (state.isSnapshotSplitState()) {
        if (state != lastState) {
          lastState = state;
          lastSplit = state.asSnapshotSplitState().toSourceSplit();
        }
        split = lastSplit;
      }
      deserializer.startChunk(split == null ? null : split.splitId());
      super.processElement(element, output, state);
      if (split != null && WatermarkEvent.isHighWatermarkEvent(element)) {
        deserializer.chunkDone(split.splitId(), split.getTableId(), output::collect);
      }
    }
  }
}
