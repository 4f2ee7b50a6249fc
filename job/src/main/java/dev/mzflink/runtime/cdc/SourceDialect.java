package dev.mzflink.runtime.cdc;

import dev.mzflink.pg.PgConnections;
import dev.mzflink.status.SourceStatuses;
import io.debezium.relational.TableId;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.reader.external.FetchTask;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.runtime.execution.SuppressRestartsException;

/**
 * Flink CDC's PostgreSQL dialect, with two changes:
 *
 * <ul>
 *   <li>the tables mzflink snapshots itself are not given to the incremental snapshot. They stay in
 *       the connector's table filter, so the stream still delivers their changes ("pure stream"
 *       tables without snapshot splits);
 *   <li>every time the stream starts (first start, failover, resume) it checks that the source's
 *       replication slot still holds the WAL from where the stream resumes. Debezium would create a
 *       missing slot at the current position, and PostgreSQL streams from a slot's confirmed
 *       position whatever is asked: either way the changes in between would be skipped without a
 *       word. Instead the source is marked errored and the job stops.
 * </ul>
 */
final class SourceDialect extends PostgresDialect {
  private static final long serialVersionUID = 1L;

  private final Set<String> excluded;
  private final String slot;
  private final String source;
  private final String upstreamUrl;
  private final Properties upstreamProperties;
  private final String resultsUrl;

  SourceDialect(
      PostgresSourceConfig config,
      Set<String> excluded,
      String source,
      String upstreamUrl,
      Properties upstreamProperties,
      String resultsUrl) {
    super(config);
    this.excluded = Set.copyOf(excluded);
    this.slot = getSlotName();
    this.source = source;
    this.upstreamUrl = upstreamUrl;
    this.upstreamProperties = upstreamProperties;
    this.resultsUrl = resultsUrl;
  }

  static String id(String schema, String table) {
    return schema + "\u0000" + table;
  }

  @Override
  public List<TableId> discoverDataCollections(JdbcSourceConfig sourceConfig) {
    return super.discoverDataCollections(sourceConfig).stream()
        .filter(t -> !excluded.contains(id(t.schema(), t.table())))
        .toList();
  }

  @Override
  public FetchTask<SourceSplitBase> createFetchTask(SourceSplitBase split) {
    if (split.isStreamSplit()
        && split.asStreamSplit().getStartingOffset() instanceof PostgresOffset offset) {
      if (offset.getLsn() != null && offset.getLsn().isValid()) {
        checkSlot(offset.getLsn().asLong());
      }
    }
    return super.createFetchTask(split);
  }

  private void checkSlot(long resumeLsn) {
    String error;
    try (Connection c = PgConnections.connect(upstreamUrl, upstreamProperties);
        PreparedStatement s =
            c.prepareStatement(
                "SELECT coalesce(confirmed_flush_lsn, restart_lsn) - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
      s.setString(1, slot);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          error =
              String.format(
                  "replication slot %s of source %s does not exist upstream: it was dropped while the pipeline ran, and the changes"
                      + " since are gone. Start the pipeline from scratch (without --from-savepoint) to snapshot the tables again",
                  slot, source);
        } else if (r.getBigDecimal(1).longValueExact() > resumeLsn) {
          error =
              String.format(
                  "replication slot %s of source %s has confirmed WAL up to %s, past %s where the job resumes reading: the changes"
                      + " in between are gone. Resume from the newest savepoint or checkpoint, or start the pipeline from scratch",
                  slot,
                  source,
                  ResumeLsn.text(r.getBigDecimal(1).longValueExact()),
                  ResumeLsn.text(resumeLsn));
        } else {
          return;
        }
      }
    } catch (SQLException e) {
      // Not reachable now: the stream's own connection will fail and be retried.
      return;
    }
    SourceStatuses.mark(resultsUrl, source, List.of(), SourceStatuses.Status.ERRORED, error);
    throw new SuppressRestartsException(new IllegalStateException(error));
  }
}
