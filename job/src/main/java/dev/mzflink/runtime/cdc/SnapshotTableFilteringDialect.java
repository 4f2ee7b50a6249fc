package dev.mzflink.runtime.cdc;

import io.debezium.relational.TableId;
import java.util.List;
import java.util.Set;
import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;

/**
 * Flink CDC's PostgreSQL dialect, except that the tables mzflink snapshots itself are not given
 * to the incremental snapshot. They stay in the connector's table filter, so the stream still
 * delivers their changes ("pure stream" tables without snapshot splits).
 */
final class SnapshotTableFilteringDialect extends PostgresDialect {
  private static final long serialVersionUID = 1L;

  private final Set<String> excluded;

  SnapshotTableFilteringDialect(PostgresSourceConfig config, Set<String> excluded) {
    super(config);
    this.excluded = Set.copyOf(excluded);
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
}
