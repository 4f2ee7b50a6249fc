package dev.mzflink.translate;

import static java.util.Objects.requireNonNull;

import dev.mzflink.catalog.ObjectName;
import dev.mzflink.sql.Quote;
import java.util.List;
import java.util.Optional;

/**
 * A pipeline as values: Flink source tables (one per upstream table), the script's views, results
 * tables in PostgreSQL and their Flink sinks, and the INSERTs that connect them. Rendered as SQL by
 * {@link FlinkSqlRenderer}; executed by the runtime.
 */
public record FlinkPlan(
    List<String> databases,
    List<FlinkTable> sourceTables,
    List<FlinkTable> sinkTables,
    List<ResultsTable> resultsTables,
    List<FlinkInsert> inserts,
    List<UpstreamSource> sources,
    List<UpstreamSource> droppedSources,
    List<SourceStream> streams,
    List<FlinkView> views) {
  public FlinkPlan {
    databases = List.copyOf(requireNonNull(databases, "databases is null"));
    sourceTables = List.copyOf(requireNonNull(sourceTables, "sourceTables is null"));
    sinkTables = List.copyOf(requireNonNull(sinkTables, "sinkTables is null"));
    resultsTables = List.copyOf(requireNonNull(resultsTables, "resultsTables is null"));
    inserts = List.copyOf(requireNonNull(inserts, "inserts is null"));
    sources = List.copyOf(requireNonNull(sources, "sources is null"));
    droppedSources = List.copyOf(requireNonNull(droppedSources, "droppedSources is null"));
    streams = List.copyOf(requireNonNull(streams, "streams is null"));
    views = List.copyOf(requireNonNull(views, "views is null"));
  }

  /** The catalog that holds the sink tables, so they keep the schema and name of their view. */
  public static final String RESULTS_CATALOG = "mz_results";

  /**
   * The replication slots the pipeline opens upstream when it reads its sources as {@code reading}.
   */
  public List<ReplicationSlot> slots(SourceReading reading) {
    List<ReplicationSlot> slots = new java.util.ArrayList<>();
    for (UpstreamSource source : sources) {
      for (String slot : source.slots(reading)) {
        slots.add(new ReplicationSlot(slot, source.name(), source.connection()));
      }
    }
    return slots;
  }

  /** A Flink object name: catalog (empty for the session's current catalog), database, name. */
  public record FlinkName(Optional<String> catalog, String database, String name) {
    public FlinkName {
      requireNonNull(catalog, "catalog is null");
      requireNonNull(database, "database is null");
      requireNonNull(name, "name is null");
    }

    public String quoted() {
      return catalog.map(c -> Quote.flinkIdentifier(c) + ".").orElse("")
          + Quote.flinkQualified(database, name);
    }
  }

  /** A Flink column: name, Flink SQL type, nullability. */
  public record FlinkColumn(String name, String type, boolean notNull) {
    public FlinkColumn {
      requireNonNull(name, "name is null");
      requireNonNull(type, "type is null");
    }
  }

  /**
   * One connector option. A secret option has a {@code redacted} form that is printed instead of
   * its value (the value with its password replaced).
   */
  public record Option(String key, String value, Optional<String> redacted) {
    public Option {
      requireNonNull(key, "key is null");
      requireNonNull(value, "value is null");
      requireNonNull(redacted, "redacted is null");
    }

    public static Option of(String key, String value) {
      return new Option(key, value, Optional.empty());
    }

    public static Option secret(String key, String value, String redacted) {
      return new Option(key, value, Optional.of(redacted));
    }

    public boolean secret() {
      return redacted.isPresent();
    }

    /** The value as it may be printed: the redacted form of a secret. */
    public String printable() {
      return redacted.orElse(value);
    }

    @Override
    public String toString() {
      return key + "=" + printable();
    }
  }

  /** A Flink table with a connector. */
  public record FlinkTable(
      FlinkName name,
      List<FlinkColumn> columns,
      List<String> primaryKey,
      List<Option> options,
      List<String> comments) {
    public FlinkTable {
      requireNonNull(name, "name is null");
      columns = List.copyOf(requireNonNull(columns, "columns is null"));
      primaryKey = List.copyOf(requireNonNull(primaryKey, "primaryKey is null"));
      options = List.copyOf(requireNonNull(options, "options is null"));
      comments = List.copyOf(requireNonNull(comments, "comments is null"));
    }

    public Optional<String> option(String key) {
      return options.stream().filter(o -> o.key().equals(key)).map(Option::value).findFirst();
    }
  }

  /** A column of a results table, with the upstream PostgreSQL type verbatim. */
  public record ResultsColumn(String name, String pgType, boolean notNull) {
    public ResultsColumn {
      requireNonNull(name, "name is null");
      requireNonNull(pgType, "pgType is null");
    }
  }

  /**
   * An enum type a results table's columns use: created in the results database with the upstream
   * labels in their order, so values sort and compare as upstream, and marked as mzflink's by its
   * comment {@link #MARK}: mzflink adds labels upstream gained only to the types it created.
   */
  public record ResultsEnum(String schema, String name, List<String> labels) {
    /** The comment on an enum type mzflink created in the results database. */
    public static final String MARK = "mzflink: results enum type";

    public ResultsEnum {
      requireNonNull(schema, "schema is null");
      requireNonNull(name, "name is null");
      labels = List.copyOf(requireNonNull(labels, "labels is null"));
    }

    public String qualifiedName() {
      return Quote.pgQualified(schema, name);
    }

    /** {@code CREATE TYPE ... AS ENUM (...)} with the labels in order. */
    public String createSql() {
      return "CREATE TYPE "
          + qualifiedName()
          + " AS ENUM ("
          + String.join(", ", labels.stream().map(Quote::pgLiteral).toList())
          + ")";
    }

    /** {@code COMMENT ON TYPE ...}: marks the type as mzflink's. */
    public String markSql() {
      return "COMMENT ON TYPE " + qualifiedName() + " IS " + Quote.pgLiteral(MARK);
    }
  }

  /**
   * A table mzflink creates and keeps in the results database.
   *
   * @param enums the enum types its columns use, created before the table
   */
  public record ResultsTable(
      String schema,
      String name,
      List<ResultsColumn> columns,
      List<String> primaryKey,
      List<ResultsEnum> enums) {
    public ResultsTable {
      requireNonNull(schema, "schema is null");
      requireNonNull(name, "name is null");
      columns = List.copyOf(requireNonNull(columns, "columns is null"));
      primaryKey = List.copyOf(requireNonNull(primaryKey, "primaryKey is null"));
      enums = List.copyOf(requireNonNull(enums, "enums is null"));
    }

    /** A table whose columns use no enum type. */
    public ResultsTable(
        String schema, String name, List<ResultsColumn> columns, List<String> primaryKey) {
      this(schema, name, columns, primaryKey, List.of());
    }

    public String qualifiedName() {
      return Quote.pgQualified(schema, name);
    }

    /**
     * Statements that create {@link #enums} in the results database, each only if no type of that
     * name exists (an existing one is kept: other results tables may use it), marked as mzflink's.
     * Each runs in a {@code DO} block whose dollar quote appears nowhere in its body.
     */
    public String typesSql() {
      StringBuilder out = new StringBuilder();
      for (ResultsEnum e : enums) {
        out.append("CREATE SCHEMA IF NOT EXISTS ")
            .append(Quote.pgIdentifier(e.schema()))
            .append("; ");
        String body =
            " BEGIN "
                + e.createSql()
                + "; "
                + e.markSql()
                + "; EXCEPTION WHEN duplicate_object THEN NULL; END ";
        String tag = "$mzflink$";
        for (int i = 1; body.contains(tag.substring(0, tag.length() - 1)); i++) {
          tag = "$mzflink" + i + "$";
        }
        out.append("DO ").append(tag).append(body).append(tag).append("; ");
      }
      return out.toString().strip();
    }

    /** The enum type of column {@code column} (or of its array elements), if it has one. */
    public Optional<ResultsEnum> enumOf(ResultsColumn column) {
      return enums.stream()
          .filter(
              e ->
                  column.pgType().equals(e.qualifiedName())
                      || column.pgType().equals(e.qualifiedName() + "[]"))
          .findFirst();
    }

    /** The table's columns and primary key as {@code CREATE TABLE} lists them. */
    public String definition() {
      List<String> lines = new java.util.ArrayList<>();
      for (ResultsColumn c : columns) {
        lines.add(
            Quote.pgIdentifier(c.name()) + " " + c.pgType() + (c.notNull() ? " NOT NULL" : ""));
      }
      if (!primaryKey.isEmpty()) {
        lines.add(
            "PRIMARY KEY ("
                + String.join(", ", primaryKey.stream().map(Quote::pgIdentifier).toList())
                + ")");
      }
      return String.join(", ", lines);
    }
  }

  /**
   * A view of the script (CREATE [MATERIALIZED] VIEW) as a Flink temporary view, in creation order:
   * a view comes after the views it reads.
   *
   * @param name its Flink name
   * @param query its SELECT in Flink SQL
   * @param columns its columns with the Flink types the query must produce
   * @param comment what it was made from, for the Flink SQL file
   */
  public record FlinkView(FlinkName name, String query, List<FlinkColumn> columns, String comment) {
    public FlinkView {
      requireNonNull(name, "name is null");
      requireNonNull(query, "query is null");
      columns = List.copyOf(requireNonNull(columns, "columns is null"));
      requireNonNull(comment, "comment is null");
    }
  }

  /** {@code INSERT INTO target SELECT * FROM source}. */
  public record FlinkInsert(FlinkName target, FlinkName source) {
    public FlinkInsert {
      requireNonNull(target, "target is null");
      requireNonNull(source, "source is null");
    }
  }

  /**
   * A source of the script as the runtime needs it: where it connects, its publication, and the
   * replication slots each way of reading it opens (named in one place, {@link SlotNames}).
   *
   * @param name the source
   * @param connection how to connect upstream
   * @param publication the publication
   * @param allTables whether the publication is {@code FOR ALL TABLES} (its database must not hold
   *     the results)
   * @param slot the one slot of {@code mzflink run}
   * @param tableSlots the slots of the per-table Flink SQL, one per upstream table read
   * @param readsTables whether any view reads the source (otherwise it opens no slot)
   */
  public record UpstreamSource(
      ObjectName name,
      UpstreamConnection connection,
      String publication,
      boolean allTables,
      String slot,
      List<String> tableSlots,
      boolean readsTables) {
    public UpstreamSource {
      requireNonNull(name, "name is null");
      requireNonNull(connection, "connection is null");
      requireNonNull(publication, "publication is null");
      requireNonNull(slot, "slot is null");
      tableSlots = List.copyOf(requireNonNull(tableSlots, "tableSlots is null"));
    }

    /** The slots the source opens when read as {@code reading}. */
    public List<String> slots(SourceReading reading) {
      if (!readsTables) {
        return List.of();
      }
      return switch (reading) {
        case ONE_SLOT_PER_SOURCE -> List.of(slot);
        case PER_TABLE_SQL -> tableSlots;
      };
    }

    /** Every slot the source may have opened, both ways of reading it (for DROP SOURCE). */
    public List<String> allSlots() {
      List<String> all = new java.util.ArrayList<>();
      all.add(slot);
      all.addAll(tableSlots);
      return all;
    }
  }

  /**
   * How {@code mzflink run} reads one source: every table through one replication slot, each table
   * registered under the name of its Flink source table.
   *
   * @param source the source, with its connection and slot
   * @param tables the tables read, in plan order
   * @param snapshotChunkRows rows per snapshot chunk
   */
  public record SourceStream(
      UpstreamSource source, List<StreamTable> tables, int snapshotChunkRows) {
    public SourceStream {
      requireNonNull(source, "source is null");
      tables = List.copyOf(requireNonNull(tables, "tables is null"));
      if (snapshotChunkRows < 1) {
        throw new IllegalArgumentException("snapshotChunkRows must be positive");
      }
    }

    /** The source's name. */
    public ObjectName name() {
      return source.name();
    }

    /** The source's one replication slot. */
    public String slot() {
      return source.slot();
    }

    public UpstreamConnection connection() {
      return source.connection();
    }

    public String publication() {
      return source.publication();
    }

    /**
     * The columns whose values mzflink converts from the text PostgreSQL printed, instead of the
     * connector's converters (see {@link PgValueKind#convertedFromText()}).
     */
    public List<ConvertedColumns.Column> convertedColumns() {
      List<ConvertedColumns.Column> columns = new java.util.ArrayList<>();
      for (StreamTable table : tables) {
        columns.addAll(table.convertedColumns());
      }
      return columns;
    }
  }

  /**
   * One upstream table of a {@link SourceStream}.
   *
   * @param oid the table's oid, to recognise it in replication messages
   * @param schema upstream schema
   * @param name upstream table name
   * @param flinkName the Flink table it is registered as (the name of its view)
   * @param columns Flink columns in upstream order
   * @param primaryKey primary key columns, empty for a key-less table
   * @param replicaIdentityFull whether updates and deletes carry the whole old row
   * @param values how each column's values are carried, in column order
   * @param typeOids each column's type oid upstream (0 when not known), to notice a changed type
   * @param typmods each column's type modifier upstream
   * @param rowFilter the publication's row filter of the table (PostgreSQL's text of it), which the
   *     snapshot applies as the stream does; empty when every row is published
   * @param partitioned whether the table is a partitioned table published through its root: the
   *     snapshot reads its partitions through it
   * @param columnList the columns the publication's column list publishes, in {@code attnum} order,
   *     when it leaves columns of the table out; empty when every column is published
   * @param read the indexes of the columns the pipeline reads (see {@link ReadColumns}), ascending,
   *     the key's among them: the one-slot source carries only these
   */
  public record StreamTable(
      long oid,
      String schema,
      String name,
      FlinkName flinkName,
      List<FlinkColumn> columns,
      List<String> primaryKey,
      boolean replicaIdentityFull,
      List<FlinkTypes.Carried> values,
      List<Long> typeOids,
      List<Integer> typmods,
      Optional<String> rowFilter,
      boolean partitioned,
      Optional<List<String>> columnList,
      List<Integer> read) {
    public StreamTable {
      requireNonNull(rowFilter, "rowFilter is null");
      columnList = requireNonNull(columnList, "columnList is null").map(List::copyOf);
      requireNonNull(schema, "schema is null");
      requireNonNull(name, "name is null");
      requireNonNull(flinkName, "flinkName is null");
      columns = List.copyOf(requireNonNull(columns, "columns is null"));
      primaryKey = List.copyOf(requireNonNull(primaryKey, "primaryKey is null"));
      values = List.copyOf(requireNonNull(values, "values is null"));
      typeOids = List.copyOf(requireNonNull(typeOids, "typeOids is null"));
      typmods = List.copyOf(requireNonNull(typmods, "typmods is null"));
      if (values.size() != columns.size()
          || typeOids.size() != columns.size()
          || typmods.size() != columns.size()) {
        throw new IllegalArgumentException("one value kind, type oid and typmod per column");
      }
      read = List.copyOf(requireNonNull(read, "read is null"));
      for (int i = 0; i < read.size(); i++) {
        if (read.get(i) < 0
            || read.get(i) >= columns.size()
            || (i > 0 && read.get(i) <= read.get(i - 1))) {
          throw new IllegalArgumentException("read columns out of order or range: " + read);
        }
      }
      for (String key : primaryKey) {
        int index = columns.stream().map(FlinkColumn::name).toList().indexOf(key);
        if (index >= 0 && !read.contains(index)) {
          throw new IllegalArgumentException("key column " + key + " is not read");
        }
      }
    }

    /** Whether some column is not read. */
    public boolean pruned() {
      return read.size() < columns.size();
    }

    /**
     * A table whose publication has no column list that leaves columns out, of which every column
     * is read.
     */
    public StreamTable(
        long oid,
        String schema,
        String name,
        FlinkName flinkName,
        List<FlinkColumn> columns,
        List<String> primaryKey,
        boolean replicaIdentityFull,
        List<FlinkTypes.Carried> values,
        List<Long> typeOids,
        List<Integer> typmods,
        Optional<String> rowFilter,
        boolean partitioned) {
      this(
          oid,
          schema,
          name,
          flinkName,
          columns,
          primaryKey,
          replicaIdentityFull,
          values,
          typeOids,
          typmods,
          rowFilter,
          partitioned,
          Optional.empty(),
          java.util.stream.IntStream.range(0, columns.size()).boxed().toList());
    }

    /** {@code "schema"."name"}. */
    public String qualifiedName() {
      return Quote.pgQualified(schema, name);
    }

    /** The table's columns whose values mzflink converts from PostgreSQL's text. */
    public List<ConvertedColumns.Column> convertedColumns() {
      List<ConvertedColumns.Column> converted = new java.util.ArrayList<>();
      for (int i = 0; i < columns.size(); i++) {
        FlinkTypes.Carried carried = values.get(i);
        if (carried.kind().convertedFromText()) {
          converted.add(
              new ConvertedColumns.Column(
                  schema, name, columns.get(i).name(), carried.kind(), carried.element()));
        }
      }
      return converted;
    }
  }

  /** A replication slot the pipeline opens upstream: its source and how to reach it. */
  public record ReplicationSlot(String name, ObjectName source, UpstreamConnection connection) {
    public ReplicationSlot {
      requireNonNull(name, "name is null");
      requireNonNull(source, "source is null");
      requireNonNull(connection, "connection is null");
    }
  }
}
