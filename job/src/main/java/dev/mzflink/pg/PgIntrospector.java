package dev.mzflink.pg;

import dev.mzflink.UserError;
import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgPublication;
import dev.mzflink.catalog.PgServerFacts;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.catalog.PgTable.ReplicaIdentity;
import dev.mzflink.catalog.PgType;
import dev.mzflink.sql.Quote;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads a publication's tables, columns, types, keys and replica identities from PostgreSQL. The
 * only planning code that talks to a server: what it returns is an immutable snapshot.
 */
public final class PgIntrospector {
  private final Connection connection;
  private final Map<Long, PgType> types = new HashMap<>();

  public PgIntrospector(Connection connection) {
    this.connection = connection;
  }

  /**
   * Connects with {@code info} and reads what the prerequisite checks need. A failure to connect is
   * a {@link UserError} naming the cause; a missing publication is not an error here.
   */
  public static PgServerFacts serverFacts(ConnectionInfo info, String publication) {
    try (Connection connection = PgConnections.open(info)) {
      return new PgIntrospector(connection).serverFacts(publication);
    } catch (SQLException e) {
      throw UserError.of("could not read the upstream catalog").withDetail(e.getMessage());
    }
  }

  public PgServerFacts serverFacts(String publicationName) throws SQLException {
    int version;
    String database;
    String user;
    String walLevel;
    int maxSlots;
    int maxSenders;
    boolean superuser;
    boolean replication;
    boolean rdsReplication;
    boolean connect;
    boolean encrypted;
    try (PreparedStatement s =
            connection.prepareStatement(
                "SELECT current_setting('server_version_num')::int, current_database(), current_user,"
                    + " current_setting('wal_level'), current_setting('max_replication_slots')::int,"
                    + " current_setting('max_wal_senders')::int, r.rolsuper, r.rolreplication,"
                    + " EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_replication')"
                    + " AND pg_has_role(current_user, (SELECT oid FROM pg_roles WHERE rolname = 'rds_replication'), 'MEMBER'),"
                    + " has_database_privilege(current_database(), 'CONNECT'),"
                    + " coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)"
                    + " FROM pg_roles r WHERE r.rolname = current_user");
        ResultSet r = s.executeQuery()) {
      r.next();
      version = r.getInt(1);
      database = r.getString(2);
      user = r.getString(3);
      walLevel = r.getString(4);
      maxSlots = r.getInt(5);
      maxSenders = r.getInt(6);
      superuser = r.getBoolean(7);
      replication = r.getBoolean(8);
      rdsReplication = r.getBoolean(9);
      connect = r.getBoolean(10);
      encrypted = r.getBoolean(11);
    }
    List<String> publications = new ArrayList<>();
    try (PreparedStatement s =
            connection.prepareStatement("SELECT pubname FROM pg_publication ORDER BY 1");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        publications.add(r.getString(1));
      }
    }
    Optional<PgPublication> publication =
        publications.contains(publicationName)
            ? Optional.of(publication(publicationName))
            : Optional.empty();
    Map<String, Boolean> schemaUsage = new LinkedHashMap<>();
    Map<String, Boolean> tableSelect = new LinkedHashMap<>();
    Map<String, List<String>> lookAlikes = Map.of();
    if (publication.isPresent()) {
      lookAlikes = lookAlikes(publicationName);
      try (PreparedStatement s =
          connection.prepareStatement(
              "SELECT DISTINCT n.nspname, c.relname, has_schema_privilege(n.oid, 'USAGE'), has_table_privilege(c.oid, 'SELECT')"
                  + " FROM pg_publication_tables pt JOIN pg_namespace n ON n.nspname = pt.schemaname"
                  + " JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename WHERE pt.pubname = ?")) {
        s.setString(1, publicationName);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            schemaUsage.put(r.getString(1), r.getBoolean(3));
            tableSelect.put(Quote.pgQualified(r.getString(1), r.getString(2)), r.getBoolean(4));
          }
        }
      }
    }
    List<String> slots = new ArrayList<>();
    try (PreparedStatement s =
            connection.prepareStatement("SELECT slot_name FROM pg_replication_slots ORDER BY 1");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        slots.add(r.getString(1));
      }
    }
    int senders;
    try (PreparedStatement s =
            connection.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'");
        ResultSet r = s.executeQuery()) {
      r.next();
      senders = r.getInt(1);
    }
    return new PgServerFacts(
        version,
        database,
        user,
        walLevel,
        superuser,
        replication,
        rdsReplication,
        connect,
        publication,
        publications,
        schemaUsage,
        tableSelect,
        lookAlikes,
        maxSlots,
        slots,
        maxSenders,
        senders,
        encrypted);
  }

  /**
   * For each table of the publication, the other relations whose schema and name match its schema
   * and name as LIKE patterns ({@code _} and {@code %} wildcards, {@code \} the escape), as
   * pgjdbc's {@code DatabaseMetaData.getColumns(null, schema, table, null)} finds them: tables,
   * partitioned tables, views, foreign tables and materialized views with at least one column.
   * Debezium 1.9's pgoutput decoder reads a table's columns that way (FLINK-38965).
   */
  private Map<String, List<String>> lookAlikes(String publication) throws SQLException {
    Map<String, List<String[]>> found = new TreeMap<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT pt.schemaname, pt.tablename, n.nspname, c.relname"
                + " FROM (SELECT DISTINCT schemaname, tablename FROM pg_publication_tables WHERE pubname = ?) pt"
                + " JOIN pg_namespace n ON n.nspname LIKE pt.schemaname::text"
                + " JOIN pg_class c ON c.relnamespace = n.oid AND c.relname LIKE pt.tablename::text"
                + " WHERE c.relkind IN ('r', 'p', 'v', 'f', 'm')"
                + " AND NOT (n.nspname = pt.schemaname AND c.relname = pt.tablename)"
                + " AND EXISTS (SELECT 1 FROM pg_attribute a"
                + " WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)")) {
      s.setString(1, publication);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          found
              .computeIfAbsent(
                  Quote.pgQualified(r.getString(1), r.getString(2)), k -> new ArrayList<>())
              .add(new String[] {r.getString(3), r.getString(4)});
        }
      }
    }
    Map<String, List<String>> lookAlikes = new TreeMap<>();
    found.forEach(
        (table, relations) ->
            lookAlikes.put(
                table,
                relations.stream()
                    .sorted(Comparator.comparing((String[] n) -> n[0]).thenComparing(n -> n[1]))
                    .map(n -> Quote.pgQualified(n[0], n[1]))
                    .toList()));
    return lookAlikes;
  }

  private PgPublication publication(String name) throws SQLException {
    boolean allTables;
    boolean insert;
    boolean update;
    boolean delete;
    boolean truncate;
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT puballtables, pubinsert, pubupdate, pubdelete, "
                + (hasColumn("pg_publication", "pubtruncate") ? "pubtruncate" : "false")
                + " FROM pg_publication WHERE pubname = ?")) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          throw new IllegalStateException("publication " + name + " disappeared while being read");
        }
        allTables = r.getBoolean(1);
        insert = r.getBoolean(2);
        update = r.getBoolean(3);
        delete = r.getBoolean(4);
        truncate = r.getBoolean(5);
      }
    }
    return new PgPublication(name, allTables, insert, update, delete, truncate, tables(name));
  }

  private boolean hasColumn(String catalogTable, String column) throws SQLException {
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT 1 FROM pg_attribute WHERE attrelid = ?::regclass AND attname = ? AND NOT attisdropped")) {
      s.setString(1, "pg_catalog." + catalogTable);
      s.setString(2, column);
      try (ResultSet r = s.executeQuery()) {
        return r.next();
      }
    }
  }

  /**
   * The publication's tables as {@code pg_publication_tables} lists them, which is what pgoutput
   * sends: leaf partitions, or the partitioned root when the publication publishes through it
   * ({@code publish_via_partition_root}); on PostgreSQL 15 and later with the row filter and only
   * the columns of the column list. Tables in (schema, name) order, their columns in attnum order.
   */
  private List<PgTable> tables(String publication) throws SQLException {
    boolean columnLists = hasColumn("pg_publication_tables", "attnames");
    boolean rowFilters = hasColumn("pg_publication_tables", "rowfilter");
    // A column is published when there is no column list, or the list names it. Generated columns
    // are kept as before (pgoutput before PostgreSQL 18 does not send them, which the stream
    // reports as a schema change).
    String published =
        columnLists
            ? "(pt.attnames IS NULL OR a.attname = ANY (pt.attnames) OR a.attgenerated <> '')"
            : "true";
    String sql =
        "SELECT c.oid, n.nspname, c.relname, c.relreplident, c.reltuples::bigint, "
            + "a.attnum, a.attname, a.attnotnull, a.attstorage, a.atttypid, a.atttypmod, "
            + "format_type(a.atttypid, a.atttypmod), c.relkind, "
            + published
            + ", "
            + (rowFilters ? "pt.rowfilter" : "NULL::text")
            + " FROM pg_publication_tables pt "
            + "JOIN pg_namespace n ON n.nspname = pt.schemaname "
            + "JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pt.tablename "
            + "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            + "WHERE pt.pubname = ? "
            + "ORDER BY n.nspname, c.relname, a.attnum";
    Map<Long, TableBuilder> builders = new LinkedHashMap<>();
    try (PreparedStatement s = connection.prepareStatement(sql)) {
      s.setString(1, publication);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          long oid = r.getLong(1);
          TableBuilder b =
              builders.computeIfAbsent(
                  oid,
                  o -> {
                    try {
                      return new TableBuilder(
                          o,
                          r.getString(2),
                          r.getString(3),
                          ReplicaIdentity.fromCode(r.getString(4)),
                          r.getLong(5),
                          Optional.ofNullable(r.getString(15)),
                          "p".equals(r.getString(13)));
                    } catch (SQLException e) {
                      throw new IllegalStateException(e);
                    }
                  });
          if (!r.getBoolean(14)) {
            b.unpublished.add(r.getString(7));
            continue;
          }
          int typmod = r.getInt(11);
          PgType type = type(r.getLong(10), typmod, r.getString(12));
          b.columns.add(
              new PgColumn(
                  r.getString(7),
                  r.getInt(6),
                  type,
                  r.getBoolean(8),
                  !"p".equals(r.getString(9)),
                  r.getLong(10)));
        }
      }
    }
    List<PgTable> tables = new ArrayList<>();
    for (TableBuilder b : builders.values()) {
      tables.add(
          new PgTable(
              b.oid,
              b.schema,
              b.name,
              b.columns,
              primaryKey(b.oid),
              b.replicaIdentity,
              b.estimatedRows,
              b.rowFilter,
              b.unpublished,
              b.partitioned));
    }
    return tables;
  }

  private List<String> primaryKey(long tableOid) throws SQLException {
    List<String> key = new ArrayList<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT a.attname FROM pg_index i "
                + "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                + "WHERE i.indrelid = ? AND i.indisprimary "
                + "ORDER BY array_position(i.indkey::int2[], a.attnum)")) {
      s.setLong(1, tableOid);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          key.add(r.getString(1));
        }
      }
    }
    return key;
  }

  private PgType type(long oid, int typmod, String formatted) throws SQLException {
    PgType base = baseType(oid);
    if (typmod == base.typmod() && formatted.equals(base.formatted())) {
      return base;
    }
    return new PgType(
        base.schema(),
        base.name(),
        formatted,
        typmod,
        base.kind(),
        base.element(),
        base.enumLabels());
  }

  private PgType baseType(long oid) throws SQLException {
    PgType cached = types.get(oid);
    if (cached != null) {
      return cached;
    }
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT n.nspname, t.typname, t.typtype, t.typcategory, t.typelem, t.typbasetype, "
                + "t.typtypmod, format_type(t.oid, NULL) "
                + "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = ?")) {
      s.setLong(1, oid);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          throw new IllegalStateException("type oid " + oid + " not found");
        }
        String typtype = r.getString(3);
        String category = r.getString(4);
        long elem = r.getLong(5);
        long baseOid = r.getLong(6);
        PgType.Kind kind;
        Optional<PgType> element = Optional.empty();
        if (typtype.equals("d")) {
          kind = PgType.Kind.DOMAIN;
          int baseTypmod = r.getInt(7);
          element = Optional.of(type(baseOid, baseTypmod, formatType(baseOid, baseTypmod)));
        } else if (category.equals("A") && elem != 0) {
          kind = PgType.Kind.ARRAY;
          element = Optional.of(baseType(elem));
        } else {
          kind =
              switch (typtype) {
                case "b" -> PgType.Kind.BASE;
                case "e" -> PgType.Kind.ENUM;
                case "c" -> PgType.Kind.COMPOSITE;
                case "r" -> PgType.Kind.RANGE;
                default -> PgType.Kind.OTHER;
              };
        }
        List<String> labels = kind == PgType.Kind.ENUM ? enumLabels(oid) : List.of();
        PgType type =
            new PgType(r.getString(1), r.getString(2), r.getString(8), -1, kind, element, labels);
        types.put(oid, type);
        return type;
      }
    }
  }

  private List<String> enumLabels(long oid) throws SQLException {
    List<String> labels = new ArrayList<>();
    try (PreparedStatement s =
        connection.prepareStatement(
            "SELECT enumlabel FROM pg_enum WHERE enumtypid = ? ORDER BY enumsortorder")) {
      s.setLong(1, oid);
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          labels.add(r.getString(1));
        }
      }
    }
    return labels;
  }

  private String formatType(long oid, int typmod) throws SQLException {
    try (PreparedStatement s = connection.prepareStatement("SELECT format_type(?::oid, ?)")) {
      s.setLong(1, oid);
      if (typmod < 0) {
        s.setNull(2, java.sql.Types.INTEGER);
      } else {
        s.setInt(2, typmod);
      }
      try (ResultSet r = s.executeQuery()) {
        r.next();
        return r.getString(1);
      }
    }
  }

  private static final class TableBuilder {
    final long oid;
    final String schema;
    final String name;
    final ReplicaIdentity replicaIdentity;
    final long estimatedRows;
    final Optional<String> rowFilter;
    final boolean partitioned;
    final List<PgColumn> columns = new ArrayList<>();
    final List<String> unpublished = new ArrayList<>();

    TableBuilder(
        long oid,
        String schema,
        String name,
        ReplicaIdentity replicaIdentity,
        long estimatedRows,
        Optional<String> rowFilter,
        boolean partitioned) {
      this.oid = oid;
      this.schema = schema;
      this.name = name;
      this.replicaIdentity = replicaIdentity;
      this.estimatedRows = estimatedRows;
      this.rowFilter = rowFilter;
      this.partitioned = partitioned;
    }
  }
}
