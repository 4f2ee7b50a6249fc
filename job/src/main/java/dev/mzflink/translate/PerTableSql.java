package dev.mzflink.translate;

import dev.mzflink.Redaction;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.translate.FlinkPlan.FlinkTable;
import dev.mzflink.translate.FlinkPlan.Option;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-table Flink SQL the SQL client runs: one {@code postgres-cdc} table per upstream table,
 * each with its own replication slot, and the connector options that keep its values exact.
 */
final class PerTableSql {
  private PerTableSql() {}

  /**
   * The {@code postgres-cdc} table that reads {@code table} of {@code source} through {@code slot}.
   */
  static FlinkTable sourceTable(
      Source source, PgTable table, StreamTable streamTable, String slot) {
    return new FlinkTable(
        streamTable.flinkName(),
        streamTable.columns(),
        table.primaryKey(),
        sourceOptions(source, table, streamTable, slot),
        sourceComments(source, table, slot));
  }

  /**
   * Whether a column's values arrive as Debezium's "unknown" types ({@code name}: NULL unless
   * included).
   */
  private static boolean hasUnknownDatatypes(PgTable table) {
    return table.columns().stream()
        .map(c -> FlinkTypes.withoutDomains(c.type()))
        .anyMatch(t -> t.isBuiltin() && t.name().equals("name"));
  }

  /** Flink CDC's {@code connection.pool.size} default. */
  private static final int DEFAULT_CONNECTION_POOL_SIZE = 20;

  private static List<Option> sourceOptions(
      Source source, PgTable table, StreamTable streamTable, String slot) {
    UpstreamConnection c = UpstreamConnection.of(source.connection());
    List<Option> options = new ArrayList<>();
    options.add(Option.of("connector", "postgres-cdc"));
    options.add(Option.of("hostname", c.host()));
    options.add(Option.of("port", Integer.toString(c.port())));
    options.add(Option.of("username", c.user()));
    options.add(
        c.password().isEmpty()
            ? Option.of("password", "")
            : Option.secret("password", c.password().value(), Redaction.PLACEHOLDER));
    options.add(Option.of("database-name", c.database()));
    options.add(Option.of("schema-name", table.schema()));
    options.add(Option.of("table-name", table.name()));
    options.add(Option.of("slot.name", slot));
    options.add(Option.of("decoding.plugin.name", "pgoutput"));
    options.add(Option.of("debezium.publication.name", source.publication().name()));
    options.add(Option.of("debezium.publication.autocreate.mode", "disabled"));
    options.add(
        Option.of(
            "scan.incremental.snapshot.enabled", Boolean.toString(incrementalSnapshot(table))));
    if (!incrementalSnapshot(table)) {
      // Debezium registers JMX metrics under this name; two sources with the same name in one
      // JVM wait a minute for each other at every start.
      options.add(Option.of("debezium.database.server.name", slot));
    }
    if (incrementalSnapshot(table)) {
      // The backfill creates and drops a temporary replication slot for every chunk (about a
      // second each); skipping it makes the hand-over from snapshot to stream at-least-once,
      // which 'upsert' mode makes exact: Flink normalizes the changelog by primary key in state
      // (a replayed change sets a key to a value it already has, or to an older value that the
      // rest of the replay overwrites). 'upsert' also serves REPLICA IDENTITY DEFAULT, where
      // 'all' fails on every update and delete because the old row is not in the WAL.
      options.add(Option.of("scan.incremental.snapshot.backfill.skip", "true"));
      // Every chunk costs about half a second of split bookkeeping and connection setup in
      // Flink CDC 3.5.0: 100,000-row chunks instead of the default 8,096 cut that twelvefold.
      options.add(
          Option.of(
              "scan.incremental.snapshot.chunk.size",
              Integer.toString(Translator.SNAPSHOT_CHUNK_ROWS)));
      // Flink CDC's incremental sources of one job share one JDBC connection pool per server
      // (20 connections by default) and each table's source holds several: with 20 tables the
      // snapshot waited forever for connections. Three per table of the publication.
      int poolSize = 3 * source.publication().tables().size();
      if (poolSize > DEFAULT_CONNECTION_POOL_SIZE) {
        options.add(Option.of("connection.pool.size", Integer.toString(poolSize)));
      }
    }
    options.add(Option.of("changelog-mode", table.hasPrimaryKey() ? "upsert" : "all"));
    List<ConvertedColumns.Column> converted = streamTable.convertedColumns();
    if (!converted.isEmpty()) {
      options.add(Option.of("debezium.converters", ConvertedColumns.CONVERTER_NAME));
      options.add(
          Option.of(
              "debezium." + ConvertedColumns.CONVERTER_NAME + ".type",
              ConvertedColumns.CONVERTER_CLASS));
      options.add(
          Option.of(
              "debezium." + ConvertedColumns.CONVERTER_NAME + ".columns",
              ConvertedColumns.encode(converted)));
    }
    if (hasUnknownDatatypes(table)) {
      options.add(Option.of("debezium.include.unknown.datatypes", "true"));
    }
    c.ssl().forEach((key, v) -> options.add(Option.of("debezium.database." + key, v)));
    return options;
  }

  /**
   * Whether the table can use the incremental (parallel, checkpointable) snapshot. Two kinds of
   * table cannot and get the exported-snapshot snapshot, which reads them exactly:
   *
   * <ul>
   *   <li>key-less tables: the incremental snapshot's backfill buffer is keyed by the primary key
   *       and collapses their rows into one;
   *   <li>tables whose schema or name needs quoting beyond case (whitespace, dots, quotes): Flink
   *       CDC 3.5.0 serializes snapshot splits with unquoted table ids and cannot read them back.
   * </ul>
   */
  static boolean incrementalSnapshot(PgTable table) {
    return table.hasPrimaryKey()
        && plainTableId(table.schema())
        && plainTableId(table.name())
        && !hasTimeColumn(table);
  }

  /**
   * Whether a column is a time: the incremental snapshot reads rows with JDBC's getObject, which
   * gives time as java.sql.Time, to the millisecond and without 24:00:00.
   */
  private static boolean hasTimeColumn(PgTable table) {
    return table.columns().stream()
        .map(c -> FlinkTypes.carried(c.type()))
        .anyMatch(
            k ->
                k.isPresent()
                    && (k.get().kind() == PgValueKind.TIME
                        || k.get().kind() == PgValueKind.TIMETZ));
  }

  private static boolean plainTableId(String part) {
    return part.chars()
        .noneMatch(
            ch -> Character.isWhitespace(ch) || ch == '.' || ch == '"' || ch == '`' || ch == '\'');
  }

  private static List<String> sourceComments(Source source, PgTable table, String slot) {
    List<String> comments = new ArrayList<>();
    comments.add(
        String.format(
            "%s from source %s: %s, replica identity %s",
            table.qualifiedName(),
            source.name().quoted(),
            table.hasPrimaryKey()
                ? "primary key (" + String.join(", ", table.primaryKey()) + ")"
                : "no primary key",
            table.replicaIdentity().name().toLowerCase(java.util.Locale.ROOT)));
    if (!incrementalSnapshot(table)) {
      comments.add(
          !table.hasPrimaryKey()
              ? "Snapshot from an exported snapshot (not incremental): exact for a table without a key, duplicates included."
              : hasTimeColumn(table)
                  ? "Snapshot from an exported snapshot (not incremental): the incremental snapshot reads time columns to the millisecond."
                  : "Snapshot from an exported snapshot (not incremental): Flink CDC 3.5.0 cannot checkpoint snapshot splits of this table name.");
    }
    comments.add(
        "Opens its own replication slot "
            + slot
            + " and walsender upstream (mzflink run reads a source through one slot).");
    return comments;
  }
}
