package dev.mzflink.translate;

import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.CatalogEntry.View;
import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.translate.FlinkPlan.FlinkColumn;
import dev.mzflink.translate.FlinkPlan.FlinkInsert;
import dev.mzflink.translate.FlinkPlan.FlinkName;
import dev.mzflink.translate.FlinkPlan.FlinkTable;
import dev.mzflink.translate.FlinkPlan.FlinkView;
import dev.mzflink.translate.FlinkPlan.Option;
import dev.mzflink.translate.FlinkPlan.ReplicationSlot;
import dev.mzflink.translate.FlinkPlan.ResultsColumn;
import dev.mzflink.translate.FlinkPlan.ResultsTable;
import dev.mzflink.translate.FlinkPlan.SourceStream;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** Translates a planned catalog into a {@link FlinkPlan}. Pure. */
public final class Translator {
  private Translator() {}

  public static FlinkPlan translate(Catalog catalog, TranslateOptions options) {
    checkTypes(catalog);
    TreeSet<String> databases = new TreeSet<>();
    List<FlinkTable> sources = new ArrayList<>();
    List<FlinkTable> sinks = new ArrayList<>();
    List<ResultsTable> results = new ArrayList<>();
    List<FlinkInsert> inserts = new ArrayList<>();
    List<ReplicationSlot> slots = new ArrayList<>();
    for (TableView view : catalog.tableViews()) {
      Source source =
          catalog.sources().stream()
              .filter(s -> s.name().equals(view.source()))
              .findFirst()
              .orElseThrow(
                  () -> new IllegalStateException("view " + view.name() + " has no source"));
      PgTable table = view.upstream();
      List<FlinkColumn> columns = columns(table);
      String slot =
          SlotNames.perTable(
              source.name().name(), table.schema(), table.name(), options.slotSuffix());
      slots.add(new ReplicationSlot(slot, source.name()));
      databases.add(view.name().schema());
      FlinkName sourceName =
          new FlinkName(Optional.empty(), view.name().schema(), view.name().name());
      sources.add(
          new FlinkTable(
              sourceName,
              columns,
              table.primaryKey(),
              sourceOptions(source, table, slot),
              sourceComments(source, table, slot)));
      if (view.materialized()) {
        FlinkName sinkName =
            new FlinkName(
                Optional.of(FlinkPlan.RESULTS_CATALOG), view.name().schema(), view.name().name());
        ResultsTable resultsTable =
            new ResultsTable(
                view.name().schema(),
                view.name().name(),
                table.columns().stream()
                    .map(
                        c ->
                            new ResultsColumn(
                                c.name(), ResultsTypes.columnType(c.type()), c.notNull()))
                    .toList(),
                table.primaryKey(),
                ResultsTypes.enums(table.columns().stream().map(PgColumn::type).toList()));
        results.add(resultsTable);
        List<Option> sinkOptions = new ArrayList<>();
        sinkOptions.add(Option.of("connector", "mzflink-results"));
        sinkOptions.add(resultsUrlOption(options.resultsUrl()));
        sinkOptions.add(Option.of("table-name", resultsTable.qualifiedName()));
        sinkOptions.add(Option.of("table-definition", resultsTable.definition()));
        if (!resultsTable.enums().isEmpty()) {
          sinkOptions.add(Option.of("table-types", resultsTable.typesSql()));
        }
        sinks.add(new FlinkTable(sinkName, columns, table.primaryKey(), sinkOptions, List.of()));
        inserts.add(new FlinkInsert(sinkName, sourceName));
      }
    }
    List<FlinkView> views = new ArrayList<>();
    for (View view : inCreationOrder(catalog.views())) {
      databases.add(view.name().schema());
      FlinkName name = new FlinkName(Optional.empty(), view.name().schema(), view.name().name());
      List<OutputColumn> outputs = view.query().columns();
      List<FlinkColumn> columns =
          outputs.stream()
              .map(c -> new FlinkColumn(c.flinkName(), c.type().flinkType(), false))
              .toList();
      views.add(
          new FlinkView(
              name,
              ViewTranslator.query(view.query()),
              columns,
              (view.materialized() ? "materialized view " : "view ") + view.name().quoted()));
      if (view.materialized()) {
        List<String> key =
            view.query()
                .uniqueKey()
                .map(k -> k.stream().map(i -> outputs.get(i).flinkName()).toList())
                .orElse(List.of());
        ResultsTable resultsTable =
            new ResultsTable(
                view.name().schema(),
                view.name().name(),
                outputs.stream()
                    .map(
                        c ->
                            new ResultsColumn(
                                c.flinkName(),
                                c.type().resultsColumnType(),
                                key.contains(c.flinkName())))
                    .toList(),
                key);
        results.add(resultsTable);
        FlinkName sinkName =
            new FlinkName(
                Optional.of(FlinkPlan.RESULTS_CATALOG), view.name().schema(), view.name().name());
        sinks.add(
            new FlinkTable(
                sinkName,
                columns.stream()
                    .map(c -> new FlinkColumn(c.name(), c.type(), key.contains(c.name())))
                    .toList(),
                key,
                List.of(
                    Option.of("connector", "mzflink-results"),
                    resultsUrlOption(options.resultsUrl()),
                    Option.of("table-name", resultsTable.qualifiedName())),
                List.of()));
        inserts.add(new FlinkInsert(sinkName, name));
      }
    }
    return new FlinkPlan(
        List.copyOf(databases),
        sources,
        sinks,
        results,
        inserts,
        slots,
        streams(catalog, options),
        views);
  }

  /** Views after the views they read; otherwise by name. */
  static List<View> inCreationOrder(List<View> views) {
    Map<ObjectName, View> remaining = new TreeMap<>();
    views.forEach(v -> remaining.put(v.name(), v));
    List<View> ordered = new ArrayList<>();
    while (!remaining.isEmpty()) {
      View next =
          remaining.values().stream()
              .filter(v -> v.dependencies().stream().noneMatch(remaining::containsKey))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "views depend on each other: " + remaining.keySet()));
      ordered.add(next);
      remaining.remove(next.name());
    }
    return ordered;
  }

  /** One stream per source that has views: all its tables through one replication slot. */
  private static List<SourceStream> streams(Catalog catalog, TranslateOptions options) {
    List<SourceStream> streams = new ArrayList<>();
    for (Source source : catalog.sources()) {
      List<StreamTable> tables = new ArrayList<>();
      for (TableView view : catalog.tableViewsOf(source.name())) {
        PgTable table = view.upstream();
        tables.add(
            new StreamTable(
                table.schema(),
                table.name(),
                new FlinkName(Optional.empty(), view.name().schema(), view.name().name()),
                columns(table),
                table.primaryKey(),
                table.replicaIdentity() == PgTable.ReplicaIdentity.FULL,
                !incrementalSnapshot(table),
                carried(table)));
      }
      if (tables.isEmpty()) {
        continue;
      }
      ConnectionInfo c = source.connection();
      List<Option> ssl = new ArrayList<>();
      for (String key : List.of("sslmode", "sslrootcert", "sslcert", "sslkey")) {
        c.get(key).ifPresent(v -> ssl.add(Option.of("database." + key, v)));
      }
      streams.add(
          new SourceStream(
              source.name(),
              SlotNames.perSource(source.name().name(), options.slotSuffix()),
              c.host(),
              c.port(),
              c.database(),
              c.user(),
              c.password().orElse(""),
              source.publication().name(),
              ssl,
              tables));
    }
    return streams;
  }

  /** Rows per incremental snapshot chunk. */
  static final int SNAPSHOT_CHUNK_ROWS = 100_000;

  /** What a secret reads as when printed. */
  public static final String SECRET_PLACEHOLDER = "<secret>";

  private static Option resultsUrlOption(String url) {
    String redacted = url.replaceAll("(?i)(password=)[^&]*", "$1" + SECRET_PLACEHOLDER);
    return redacted.equals(url) ? Option.of("url", url) : Option.secret("url", url, redacted);
  }

  /**
   * Refuses a source whose publication has a column of a type that cannot be carried exactly, as
   * Materialize refuses it at CREATE SOURCE: every such column of the source in one error.
   */
  private static void checkTypes(Catalog catalog) {
    for (Source source : catalog.sources()) {
      List<PgTable> tables = source.upstream().publication().tables();
      List<String> problems = FlinkTypes.unsupportedColumns(tables);
      if (problems.isEmpty()) {
        continue;
      }
      List<String> drops = new ArrayList<>();
      for (PgTable table : tables) {
        if (table.columns().stream().anyMatch(c -> FlinkTypes.carried(c.type()).isEmpty())) {
          drops.add(
              String.format(
                  "ALTER PUBLICATION %s DROP TABLE %s;",
                  dev.mzflink.sql.Quote.pgIdentifier(source.upstream().publication().name()),
                  table.qualifiedName()));
        }
      }
      throw UserError.at(
              source.createdBy().position(),
              problems.size() == 1
                  ? "a column has an unsupported type"
                  : problems.size() + " columns have unsupported types")
          .withDetail(String.join("\n", problems))
          .withHint(
              "Remove the tables from the publication upstream ("
                  + String.join(" ", drops)
                  + ") or change the column types; mzflink check lists every problem.");
    }
  }

  private static List<FlinkTypes.Carried> carried(PgTable table) {
    return table.columns().stream()
        .map(
            c ->
                FlinkTypes.carried(c.type())
                    .orElseThrow(() -> new IllegalStateException("unchecked type")))
        .toList();
  }

  /**
   * The columns of {@code table} whose values mzflink's Debezium converter turns into PostgreSQL
   * text (or, for dates and timestamps, into the values Flink CDC's converters read exactly) on the
   * per-table path, as {@code mzflink run} does: numerics (Debezium turns NaN into NULL), dates and
   * timestamps (infinities, BC), time, interval and arrays (Debezium loses microseconds, interval
   * seconds and whole arrays).
   */
  private static List<ConvertedColumns.Column> perTableConversions(PgTable table) {
    List<ConvertedColumns.Column> converted = new ArrayList<>();
    for (PgColumn c : table.columns()) {
      FlinkTypes.Carried carried =
          FlinkTypes.carried(c.type())
              .orElseThrow(() -> new IllegalStateException("unchecked type"));
      if (carried.kind().convertedFromText()) {
        converted.add(
            new ConvertedColumns.Column(
                table.schema(), table.name(), c.name(), carried.kind(), carried.element()));
      }
    }
    return converted;
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

  private static List<FlinkColumn> columns(PgTable table) {
    return table.columns().stream()
        .map(
            c ->
                new FlinkColumn(
                    c.name(),
                    FlinkTypes.flinkType(c.type())
                        .orElseThrow(() -> new IllegalStateException("unchecked type")),
                    c.notNull()))
        .toList();
  }

  /** Flink CDC's {@code connection.pool.size} default. */
  private static final int DEFAULT_CONNECTION_POOL_SIZE = 20;

  private static List<Option> sourceOptions(Source source, PgTable table, String slot) {
    ConnectionInfo c = source.connection();
    List<Option> options = new ArrayList<>();
    options.add(Option.of("connector", "postgres-cdc"));
    options.add(Option.of("hostname", c.host()));
    options.add(Option.of("port", Integer.toString(c.port())));
    options.add(Option.of("username", c.user()));
    String password = c.password().orElse("");
    options.add(
        password.isEmpty()
            ? Option.of("password", "")
            : Option.secret("password", password, SECRET_PLACEHOLDER));
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
          Option.of("scan.incremental.snapshot.chunk.size", Integer.toString(SNAPSHOT_CHUNK_ROWS)));
      // Flink CDC's incremental sources of one job share one JDBC connection pool per server
      // (20 connections by default) and each table's source holds several: with 20 tables the
      // snapshot waited forever for connections. Three per table of the publication.
      int poolSize = 3 * source.publication().tables().size();
      if (poolSize > DEFAULT_CONNECTION_POOL_SIZE) {
        options.add(Option.of("connection.pool.size", Integer.toString(poolSize)));
      }
    }
    options.add(Option.of("changelog-mode", table.hasPrimaryKey() ? "upsert" : "all"));
    List<ConvertedColumns.Column> converted = perTableConversions(table);
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
    c.get("sslmode").ifPresent(mode -> options.add(Option.of("debezium.database.sslmode", mode)));
    c.get("sslrootcert").ifPresent(v -> options.add(Option.of("debezium.database.sslrootcert", v)));
    c.get("sslcert").ifPresent(v -> options.add(Option.of("debezium.database.sslcert", v)));
    c.get("sslkey").ifPresent(v -> options.add(Option.of("debezium.database.sslkey", v)));
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
