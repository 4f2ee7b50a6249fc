package dev.mzflink.source;

import java.util.Optional;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * mzflink's own source of one PostgreSQL source: its tables snapshotted by parallel COPY in the
 * snapshot its replication slot exports, then every change from that slot, through one replication
 * connection, decoded from pgoutput straight into {@link ChangeRecord}s.
 */
public final class PgSource
    implements Source<ChangeRecord, PgSplit, EnumeratorState>, ResultTypeQueryable<ChangeRecord> {
  private static final long serialVersionUID = 1L;

  private final SourceLayout layout;

  public PgSource(SourceLayout layout) {
    this.layout = layout;
  }

  @Override
  public Boundedness getBoundedness() {
    return Boundedness.CONTINUOUS_UNBOUNDED;
  }

  @Override
  public SourceReader<ChangeRecord, PgSplit> createReader(SourceReaderContext context) {
    return new PgSourceReader(context, layout);
  }

  @Override
  public SplitEnumerator<PgSplit, EnumeratorState> createEnumerator(
      SplitEnumeratorContext<PgSplit> context) {
    return new PgSplitEnumerator(context, layout, Optional.empty());
  }

  @Override
  public SplitEnumerator<PgSplit, EnumeratorState> restoreEnumerator(
      SplitEnumeratorContext<PgSplit> context, EnumeratorState state) {
    return new PgSplitEnumerator(context, layout, Optional.of(state));
  }

  @Override
  public SimpleVersionedSerializer<PgSplit> getSplitSerializer() {
    return new PgSplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<EnumeratorState> getEnumeratorCheckpointSerializer() {
    return new EnumeratorState.Serializer();
  }

  @Override
  public TypeInformation<ChangeRecord> getProducedType() {
    return TypeInformation.of(ChangeRecord.class);
  }
}
