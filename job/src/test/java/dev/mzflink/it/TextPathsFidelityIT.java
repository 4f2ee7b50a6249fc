package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.pg.PgIntrospector;
import dev.mzflink.source.TableLayout;
import dev.mzflink.source.pgoutput.PgOutputMessage;
import dev.mzflink.source.pgoutput.PgTextSettings;
import dev.mzflink.source.pgoutput.TupleData;
import dev.mzflink.sql.Quote;
import dev.mzflink.testing.JdbcReference;
import dev.mzflink.testing.PgOutputSlot;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.FlinkTypes;
import dev.mzflink.values.CopyTextReader;
import dev.mzflink.values.PgRowDecoder;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyInputStream;

/**
 * Every type of {@link TypeFidelityIT} with its edge values gives the same Flink rows on the two
 * text paths of mzflink's own source, value by value: read by {@code COPY (SELECT ...) TO STDOUT}
 * through {@link CopyTextReader}, and streamed through pgoutput; and both are what {@code mzflink
 * run} makes of the same rows before mzflink had a source of its own ({@link JdbcReference}:
 * CanonicalText and FlinkValues for the kinds converted from text, JDBC's getters for the others).
 * Updates that leave TOASTed values alone take them from the old row. Also on a server whose own
 * settings print values differently: the pinned sessions ({@link PgTextSettings}) read them the
 * same.
 */
class TextPathsFidelityIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  /** A server whose defaults print dates, intervals, floats and bytea differently. */
  @RegisterExtension
  static final PostgresServerExtension ODD_POSTGRES =
      new PostgresServerExtension(
          Map.of(
              "datestyle", "SQL,DMY",
              "intervalstyle", "iso_8601",
              "timezone", "America/New_York",
              "extra_float_digits", "0",
              "bytea_output", "escape"));

  /**
   * A session with the odd server's settings before pinning (pgjdbc refuses a DateStyle that does
   * not begin with ISO, so only its order changes).
   */
  private static final List<String> ODD_SESSION =
      List.of(
          "SET DateStyle = 'ISO, DMY'",
          "SET IntervalStyle = 'iso_8601'",
          "SET TimeZone = 'America/New_York'",
          "SET extra_float_digits = 0",
          "SET bytea_output = 'escape'");

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @Test
  void copyAndPgOutputGiveTodaysRowsForEveryTypeAndEdgeValue() throws Exception {
    assertTextPathsAgree(POSTGRES.server(), List.of());
  }

  @Test
  void pinnedSessionsReadTheSameRowsWhateverTheServerAndSessionSettings() throws Exception {
    EmbeddedPostgresServer server = ODD_POSTGRES.server();
    try (Connection c = server.connect("postgres")) {
      // pgjdbc sets DateStyle's format (ISO) and TimeZone itself; the rest is the server's.
      assertThat(Sql.strings(c, "SHOW DateStyle")).containsExactly("ISO, DMY");
      assertThat(Sql.strings(c, "SHOW IntervalStyle")).containsExactly("iso_8601");
      assertThat(Sql.strings(c, "SHOW bytea_output")).containsExactly("escape");
      assertThat(Sql.strings(c, "SELECT '1 day 2 hours'::interval::text"))
          .containsExactly("P1DT2H");
    }
    assertTextPathsAgree(server, ODD_SESSION);
  }

  private static void assertTextPathsAgree(EmbeddedPostgresServer server, List<String> session)
      throws Exception {
    String database = "paths";
    server.createDatabase(database);
    try (Connection app = server.connect(database)) {
      Sql.execute(
          app,
          "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
          "CREATE DOMAIN posint AS integer CHECK (VALUE > 0)",
          "CREATE DOMAIN shorttext AS varchar(10)",
          TypeFidelityIT.createTable("everything", false),
          "ALTER TABLE everything REPLICA IDENTITY FULL",
          "CREATE PUBLICATION fidelity FOR TABLE everything");
      PgTable table =
          new PgIntrospector(app)
              .serverFacts("fidelity").publication().orElseThrow().tables().stream()
                  .filter(t -> t.name().equals("everything"))
                  .findFirst()
                  .orElseThrow();
      FlinkPlan.StreamTable plan = streamTable(table);
      PgRowDecoder decoder = PgRowDecoder.of(plan);
      String columns =
          table.columns().stream()
              .map(c -> Quote.pgIdentifier(c.name()))
              .collect(Collectors.joining(", "));

      try (PgOutputSlot slot = PgOutputSlot.create(server, database, "materialize_paths")) {
        TypeFidelityIT.insertRows(app, "everything", false, 0);
        Sql.execute(app, "UPDATE everything SET b = NOT b");

        Map<Integer, GenericRowData> copied = copy(server, database, session, columns, decoder);
        Map<Integer, GenericRowData> today = jdbc(server, database, session, columns, plan);
        assertThat(copied).hasSize(TypeFidelityIT.ROWS.length);
        assertThat(today.keySet()).isEqualTo(copied.keySet());

        Map<Integer, GenericRowData> inserted = new TreeMap<>();
        Map<Integer, GenericRowData> oldRows = new TreeMap<>();
        Map<Integer, GenericRowData> updated = new TreeMap<>();
        boolean unchangedToast = false;
        for (PgOutputMessage m : slot.read(app, "fidelity", TIMEOUT, session)) {
          if (m instanceof PgOutputMessage.Relation r) {
            assertThat(r.oid()).isEqualTo(table.oid());
            assertThat(r.columns())
                .extracting(PgOutputMessage.Relation.Column::name)
                .isEqualTo(table.columns().stream().map(PgColumn::name).toList());
          } else if (m instanceof PgOutputMessage.Insert i) {
            GenericRowData row = decoder.decode(i.newTuple());
            inserted.put((Integer) row.getField(0), row);
          } else if (m instanceof PgOutputMessage.Update u) {
            TupleData old = u.oldTuple().orElseThrow().tuple();
            GenericRowData oldRow = decoder.decode(old);
            GenericRowData newRow = decoder.decode(u.newTuple(), oldRow);
            unchangedToast |= u.newTuple().hasUnchangedToast();
            oldRows.put((Integer) oldRow.getField(0), oldRow);
            updated.put((Integer) newRow.getField(0), newRow);
          }
        }
        assertThat(unchangedToast).as("an update left TOASTed values alone").isTrue();

        List<String> differences = new ArrayList<>();
        for (Map.Entry<Integer, GenericRowData> e : copied.entrySet()) {
          int id = e.getKey();
          GenericRowData afterUpdate = e.getValue();
          GenericRowData beforeUpdate = withBooleanNegated(afterUpdate);
          compare(differences, plan, id, "COPY", afterUpdate, "JDBC today", today.get(id));
          compare(differences, plan, id, "COPY", afterUpdate, "pgoutput update", updated.get(id));
          compare(
              differences,
              plan,
              id,
              "COPY before update",
              beforeUpdate,
              "pgoutput insert",
              inserted.get(id));
          compare(
              differences,
              plan,
              id,
              "COPY before update",
              beforeUpdate,
              "pgoutput old row",
              oldRows.get(id));
        }
        assertThat(differences).isEmpty();
      }
    }
  }

  /** The plan's view of an upstream table, as the translator makes it. */
  private static FlinkPlan.StreamTable streamTable(PgTable table) {
    List<FlinkPlan.FlinkColumn> columns = new ArrayList<>();
    List<FlinkTypes.Carried> values = new ArrayList<>();
    for (PgColumn c : table.columns()) {
      FlinkTypes.Carried carried = FlinkTypes.carried(c.type()).orElseThrow();
      columns.add(new FlinkPlan.FlinkColumn(c.name(), carried.flinkType(), c.notNull()));
      values.add(carried);
    }
    return new FlinkPlan.StreamTable(
        table.oid(),
        table.schema(),
        table.name(),
        new FlinkPlan.FlinkName(Optional.empty(), table.schema(), table.name()),
        columns,
        table.primaryKey(),
        table.replicaIdentity() == PgTable.ReplicaIdentity.FULL,
        values,
        table.columns().stream().map(PgColumn::typeOid).toList(),
        table.columns().stream().map(c -> c.type().typmod()).toList(),
        Optional.empty(),
        false);
  }

  /** The table's rows by COPY text, in a pinned session, through a ctid range. */
  private static Map<Integer, GenericRowData> copy(
      EmbeddedPostgresServer server,
      String database,
      List<String> session,
      String columns,
      PgRowDecoder decoder)
      throws Exception {
    Map<Integer, GenericRowData> rows = new TreeMap<>();
    try (Connection c = server.connect(database)) {
      Sql.execute(c, session.toArray(new String[0]));
      PgTextSettings.apply(c);
      String sql =
          "COPY (SELECT "
              + columns
              + " FROM everything WHERE ctid >= '(0,0)'::tid AND ctid < '(100000,0)'::tid)"
              + " TO STDOUT";
      try (PGCopyInputStream in = new PGCopyInputStream(c.unwrap(PGConnection.class), sql)) {
        CopyTextReader reader = new CopyTextReader(in);
        while (reader.next()) {
          GenericRowData row = decoder.decode(reader);
          rows.put((Integer) row.getField(0), row);
        }
      }
    }
    return rows;
  }

  /** The table's rows as {@code mzflink run}'s locked snapshot reads them, in a pinned session. */
  private static Map<Integer, GenericRowData> jdbc(
      EmbeddedPostgresServer server,
      String database,
      List<String> session,
      String columns,
      FlinkPlan.StreamTable plan)
      throws Exception {
    Map<Integer, GenericRowData> rows = new TreeMap<>();
    try (Connection c = server.connect(database);
        Statement s = c.createStatement()) {
      Sql.execute(c, session.toArray(new String[0]));
      PgTextSettings.apply(c);
      try (ResultSet r = s.executeQuery("SELECT " + columns + " FROM everything")) {
        while (r.next()) {
          GenericRowData row = JdbcReference.read(r, new TableLayout(0, plan));
          rows.put((Integer) row.getField(0), row);
        }
      }
    }
    return rows;
  }

  /** The row with its boolean column {@code b} (field 1) negated, as before the UPDATE. */
  private static GenericRowData withBooleanNegated(GenericRowData row) {
    GenericRowData out = new GenericRowData(row.getArity());
    for (int i = 0; i < row.getArity(); i++) {
      out.setField(i, row.getField(i));
    }
    Object b = row.getField(1);
    out.setField(1, b == null ? null : !(Boolean) b);
    return out;
  }

  private static void compare(
      List<String> differences,
      FlinkPlan.StreamTable plan,
      int id,
      String leftName,
      RowData left,
      String rightName,
      RowData right) {
    if (right == null) {
      differences.add(String.format("row %d: no row from %s", id, rightName));
      return;
    }
    for (int i = 0; i < plan.columns().size(); i++) {
      Object a = ((GenericRowData) left).getField(i);
      Object b = ((GenericRowData) right).getField(i);
      if (!Objects.deepEquals(a, b)) {
        differences.add(
            String.format(
                "row %d column %s (%s): %s %s, %s %s",
                id,
                plan.columns().get(i).name(),
                plan.values().get(i).kind(),
                leftName,
                show(a),
                rightName,
                show(b)));
      }
    }
  }

  private static String show(Object value) {
    if (value == null) {
      return "NULL";
    }
    String text =
        value instanceof byte[] bytes
            ? "\\x" + HexFormat.of().formatHex(bytes)
            : value + " (" + value.getClass().getSimpleName() + ")";
    return text.length() > 200 ? text.substring(0, 200) + "… (" + text.length() + ")" : text;
  }
}
