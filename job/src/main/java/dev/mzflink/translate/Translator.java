package dev.mzflink.translate;

import dev.mzflink.UserError;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.CatalogEntry.TableView;
import dev.mzflink.catalog.CatalogEntry.View;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.plan.PlanResult;
import dev.mzflink.sql.Quote;
import dev.mzflink.translate.FlinkPlan.FlinkColumn;
import dev.mzflink.translate.FlinkPlan.FlinkInsert;
import dev.mzflink.translate.FlinkPlan.FlinkName;
import dev.mzflink.translate.FlinkPlan.FlinkTable;
import dev.mzflink.translate.FlinkPlan.FlinkView;
import dev.mzflink.translate.FlinkPlan.ResultsTable;
import dev.mzflink.translate.FlinkPlan.SourceStream;
import dev.mzflink.translate.FlinkPlan.StreamTable;
import dev.mzflink.translate.FlinkPlan.UpstreamSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Translates a planned catalog into a {@link FlinkPlan}: everything the SQL client file and the
 * runtime need, decided here once (connections, slot names, connector options, results tables).
 * Pure.
 */
public final class Translator {
  /** Rows per incremental snapshot chunk. */
  static final int SNAPSHOT_CHUNK_ROWS = 100_000;

  private Translator() {}

  /** The pipeline of a planned script. */
  public static FlinkPlan translate(PlanResult plan, TranslateOptions options) {
    Catalog catalog = plan.catalog();
    List<Source> dropped = plan.droppedSources();
    checkTypes(catalog);
    TreeSet<String> databases = new TreeSet<>();
    List<FlinkTable> sourceTables = new ArrayList<>();
    List<FlinkTable> sinks = new ArrayList<>();
    List<ResultsTable> results = new ArrayList<>();
    List<FlinkInsert> inserts = new ArrayList<>();
    Map<ObjectName, List<StreamTable>> streamTables = new TreeMap<>();
    Map<ObjectName, List<Integer>> read = ReadColumns.of(catalog);
    for (TableView view : catalog.tableViews()) {
      Source source = sourceOf(catalog, view);
      PgTable table = view.upstream();
      checkKeyPublished(source, table);
      StreamTable streamTable = streamTable(view, read.get(view.name()));
      streamTables.computeIfAbsent(source.name(), s -> new ArrayList<>()).add(streamTable);
      databases.add(view.name().schema());
      String slot = tableSlot(source, table, options);
      sourceTables.add(PerTableSql.sourceTable(source, table, streamTable, slot));
      if (view.materialized()) {
        ResultsTable resultsTable = ResultsSinks.forTable(view.name(), table);
        results.add(resultsTable);
        FlinkTable sink =
            ResultsSinks.sink(resultsTable, streamTable.columns(), table.primaryKey(), options);
        sinks.add(sink);
        inserts.add(new FlinkInsert(sink.name(), streamTable.flinkName()));
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
        ResultsTable resultsTable = ResultsSinks.forView(view.name(), outputs, key);
        results.add(resultsTable);
        FlinkTable sink =
            ResultsSinks.sink(
                resultsTable,
                columns.stream()
                    .map(c -> new FlinkColumn(c.name(), c.type(), key.contains(c.name())))
                    .toList(),
                key,
                options);
        sinks.add(sink);
        inserts.add(new FlinkInsert(sink.name(), name));
      }
    }
    List<UpstreamSource> sources = new ArrayList<>();
    List<SourceStream> streams = new ArrayList<>();
    for (Source source : catalog.sources()) {
      List<StreamTable> tables = streamTables.getOrDefault(source.name(), List.of());
      UpstreamSource upstream = upstreamSource(catalog, source, options);
      sources.add(upstream);
      if (!tables.isEmpty()) {
        streams.add(new SourceStream(upstream, tables, SNAPSHOT_CHUNK_ROWS));
      }
    }
    return new FlinkPlan(
        List.copyOf(databases),
        sourceTables,
        sinks,
        results,
        inserts,
        sources,
        dropped.stream().map(s -> upstreamSource(Catalog.empty(), s, options)).toList(),
        streams,
        views);
  }

  /**
   * Refuses, at its CREATE SOURCE, a table the per-table SQL cannot read: Flink CDC 3.5.0 joins the
   * schema and table names of a postgres-cdc table with commas into Debezium's {@code
   * schema.include.list} and {@code table.include.list}, which Debezium splits at commas again.
   */
  public static void checkPerTableNames(PlanResult plan) {
    Catalog catalog = plan.catalog();
    for (TableView view : catalog.tableViews()) {
      PgTable table = view.upstream();
      if (table.schema().contains(",") || table.name().contains(",")) {
        Source source = sourceOf(catalog, view);
        throw UserError.at(
                source.createdBy().position(),
                String.format(
                    "table %s of source %s has a comma in its name, which the per-table SQL cannot"
                        + " read",
                    table.qualifiedName(), source.name().quoted()))
            .withDetail(
                "Flink CDC 3.5.0 lists the tables of a postgres-cdc table separated by commas.")
            .withHint(
                "Run the script with mzflink run without --per-table-slots (one slot per source),"
                    + " or leave the table out: CREATE VIEWS FROM SOURCE ... (names of the other"
                    + " tables).");
      }
    }
  }

  private static Source sourceOf(Catalog catalog, TableView view) {
    return catalog.sources().stream()
        .filter(s -> s.name().equals(view.source()))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("view " + view.name() + " has no source"));
  }

  /**
   * A source with its connection and slots. A dropped source (not in {@code catalog}) gets the
   * slots of every table of its publication, whichever it read.
   */
  private static UpstreamSource upstreamSource(
      Catalog catalog, Source source, TranslateOptions options) {
    List<TableView> views = catalog.tableViewsOf(source.name());
    Set<String> tableSlots = new LinkedHashSet<>();
    List<PgTable> tables =
        views.isEmpty()
            ? source.publication().tables()
            : views.stream().map(TableView::upstream).toList();
    for (PgTable table : tables) {
      tableSlots.add(tableSlot(source, table, options));
    }
    return new UpstreamSource(
        source.name(),
        UpstreamConnection.of(source.connection()),
        source.publication().name(),
        source.publication().allTables(),
        SlotNames.perSource(source.name().name(), options.slotSuffix()),
        List.copyOf(tableSlots),
        !views.isEmpty());
  }

  private static String tableSlot(Source source, PgTable table, TranslateOptions options) {
    return SlotNames.perTable(
        source.name().name(), table.schema(), table.name(), options.slotSuffix());
  }

  /**
   * The slots a source named {@code source} that reads {@code tables} opens when read as {@code
   * reading}: for the prerequisite checks of a script that could not be planned.
   */
  public static List<String> slots(
      String source, List<PgTable> tables, SourceReading reading, TranslateOptions options) {
    return switch (reading) {
      case ONE_SLOT_PER_SOURCE -> List.of(SlotNames.perSource(source, options.slotSuffix()));
      case PER_TABLE_SQL ->
          tables.stream()
              .map(t -> SlotNames.perTable(source, t.schema(), t.name(), options.slotSuffix()))
              .distinct()
              .toList();
    };
  }

  private static StreamTable streamTable(TableView view, List<Integer> read) {
    PgTable table = view.upstream();
    return new StreamTable(
        table.oid(),
        table.schema(),
        table.name(),
        new FlinkName(Optional.empty(), view.name().schema(), view.name().name()),
        columns(table),
        table.primaryKey(),
        table.replicaIdentity() == PgTable.ReplicaIdentity.FULL,
        table.columns().stream().map(c -> carried(c.type())).toList(),
        table.columns().stream().map(PgColumn::typeOid).toList(),
        table.columns().stream().map(c -> c.type().typmod()).toList(),
        table.rowFilter(),
        table.partitioned(),
        table.unpublishedColumns().isEmpty()
            ? Optional.empty()
            : Optional.of(table.columns().stream().map(PgColumn::name).toList()),
        read);
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
                  Quote.pgIdentifier(source.upstream().publication().name()),
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

  /**
   * Refuses a table whose publication's column list leaves out primary key columns: its rows could
   * not be told apart (the stream's deletes carry only the key), and PostgreSQL itself refuses
   * updates and deletes of such a table while the publication publishes them.
   */
  private static void checkKeyPublished(Source source, PgTable table) {
    List<String> missing = table.unpublishedKeyColumns();
    if (missing.isEmpty()) {
      return;
    }
    throw UserError.at(
            source.createdBy().position(),
            unpublishedKeyMessage(source.publication().name(), table))
        .withDetail(unpublishedKeyDetail(table))
        .withHint(unpublishedKeyFix(source.publication().name(), table));
  }

  /**
   * What the publication publishes of {@code table} that the per-table Flink SQL cannot read as the
   * stream sends it (Flink CDC's snapshot reads every row and column of the table itself): its row
   * filter, its column list, its partitions through the root. Empty for a plain table published
   * whole.
   */
  public static List<String> perTableUnreadable(PgTable table) {
    List<String> parts = new ArrayList<>();
    table
        .rowFilter()
        .ifPresent(f -> parts.add("only the rows of its row filter WHERE (" + f + ")"));
    if (table.hasColumnList()) {
      parts.add(
          "only some of its columns (not "
              + String.join(
                  ", ", table.unpublishedColumns().stream().map(Quote::pgIdentifier).toList())
              + ")");
    }
    if (table.partitioned()) {
      parts.add("the changes of its partitions under its name (publish_via_partition_root)");
    }
    return parts;
  }

  /** The message of a table the per-table Flink SQL cannot read. */
  public static String perTableUnreadableMessage(String publication, PgTable table) {
    return String.format(
        "publication %s publishes %s of table %s, which the per-table Flink SQL cannot read",
        Quote.pgIdentifier(publication),
        String.join(" and ", perTableUnreadable(table)),
        table.qualifiedName());
  }

  /** Why. */
  public static final String PER_TABLE_UNREADABLE_DETAIL =
      "Flink CDC's postgres-cdc snapshot reads every row and column of the table itself, while the"
          + " stream sends what the publication publishes: the results would silently differ from"
          + " upstream.";

  /** The way out. */
  public static final String PER_TABLE_UNREADABLE_FIX =
      "Run the script with mzflink run (without --per-table-slots): its snapshot reads what the"
          + " publication publishes.";

  /**
   * The error that refuses to translate a plan into per-table Flink SQL: the first source with a
   * replicated table the per-table SQL cannot read, naming every such table of it.
   */
  public static Optional<UserError> perTableRefusal(PlanResult plan) {
    Catalog catalog = plan.catalog();
    for (Source source : catalog.sources()) {
      List<PgTable> tables = new ArrayList<>();
      for (TableView view : catalog.tableViewsOf(source.name())) {
        if (!perTableUnreadable(view.upstream()).isEmpty() && !tables.contains(view.upstream())) {
          tables.add(view.upstream());
        }
      }
      if (tables.isEmpty()) {
        continue;
      }
      String publication = source.publication().name();
      return Optional.of(
          UserError.at(
                  source.createdBy().position(),
                  perTableUnreadableMessage(publication, tables.get(0)))
              .withDetail(
                  PER_TABLE_UNREADABLE_DETAIL
                      + (tables.size() == 1
                          ? ""
                          : " Also: "
                              + String.join(
                                  "; ",
                                  tables.subList(1, tables.size()).stream()
                                      .map(t -> perTableUnreadableMessage(publication, t))
                                      .toList())
                              + "."))
              .withHint(PER_TABLE_UNREADABLE_FIX));
    }
    return Optional.empty();
  }

  /** The message of a table whose publication's column list leaves out key columns. */
  public static String unpublishedKeyMessage(String publication, PgTable table) {
    List<String> missing = table.unpublishedKeyColumns();
    return String.format(
        "publication %s leaves primary key column%s %s of table %s out of its column list",
        Quote.pgIdentifier(publication),
        missing.size() == 1 ? "" : "s",
        String.join(", ", missing.stream().map(Quote::pgIdentifier).toList()),
        table.qualifiedName());
  }

  /** Why such a table cannot be replicated. */
  public static String unpublishedKeyDetail(PgTable table) {
    return "mzflink keeps a table's rows by its primary key, and the stream's deletes carry only the"
        + " key; PostgreSQL also refuses UPDATE and DELETE of the table while the publication"
        + " publishes them.";
  }

  /** The SQL that publishes the key too. */
  public static String unpublishedKeyFix(String publication, PgTable table) {
    List<String> columns = new ArrayList<>();
    for (String key : table.primaryKey()) {
      columns.add(Quote.pgIdentifier(key));
    }
    for (PgColumn c : table.columns()) {
      if (!table.primaryKey().contains(c.name())) {
        columns.add(Quote.pgIdentifier(c.name()));
      }
    }
    String name = Quote.pgIdentifier(publication);
    return String.format(
        "Publish the key too: ALTER PUBLICATION %s DROP TABLE %s; ALTER PUBLICATION %s ADD TABLE"
            + " %s (%s)%s; (or leave the table out of CREATE VIEWS)",
        name,
        table.qualifiedName(),
        name,
        table.qualifiedName(),
        String.join(", ", columns),
        table.rowFilter().map(f -> " WHERE (" + f + ")").orElse(""));
  }

  private static FlinkTypes.Carried carried(dev.mzflink.catalog.PgType type) {
    return FlinkTypes.carried(type).orElseThrow(() -> new IllegalStateException("unchecked type"));
  }

  private static List<FlinkColumn> columns(PgTable table) {
    return table.columns().stream()
        .map(c -> new FlinkColumn(c.name(), carried(c.type()).flinkType(), c.notNull()))
        .toList();
  }
}
