package dev.mzflink.source.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.catalog.PgTable;
import dev.mzflink.source.pgoutput.PgOutputMessage.Begin;
import dev.mzflink.source.pgoutput.PgOutputMessage.Commit;
import dev.mzflink.source.pgoutput.PgOutputMessage.Delete;
import dev.mzflink.source.pgoutput.PgOutputMessage.Insert;
import dev.mzflink.source.pgoutput.PgOutputMessage.LogicalMessage;
import dev.mzflink.source.pgoutput.PgOutputMessage.OldTuple;
import dev.mzflink.source.pgoutput.PgOutputMessage.Origin;
import dev.mzflink.source.pgoutput.PgOutputMessage.Relation;
import dev.mzflink.source.pgoutput.PgOutputMessage.Truncate;
import dev.mzflink.source.pgoutput.PgOutputMessage.Type;
import dev.mzflink.source.pgoutput.PgOutputMessage.Update;
import dev.mzflink.testing.PgOutputSlot;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pgoutput as a real PostgreSQL streams it through pgjdbc's replication API, decoded: every message
 * kind, every kind of old and new tuple, TOASTed values an update left alone, a TRUNCATE of two
 * tables, and a table's description sent again after ALTER TABLE.
 */
class PgOutputDecoderIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** One database and one slot per test. */
  private static String database(String name) throws Exception {
    POSTGRES.server().createDatabase(name);
    return name;
  }

  private static PgOutputSlot slot(String database) throws Exception {
    return PgOutputSlot.create(POSTGRES.server(), database, "materialize_" + database);
  }

  private static long oid(Connection c, String table) throws Exception {
    return Sql.longValue(c, "SELECT '" + table + "'::regclass::oid");
  }

  /** Runs {@code statements} in one transaction and returns its 32-bit transaction id. */
  private static long transaction(Connection c, String... statements) throws Exception {
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      long xid;
      try (ResultSet r = s.executeQuery("SELECT txid_current()")) {
        r.next();
        xid = r.getLong(1) & 0xFFFF_FFFFL;
      }
      for (String sql : statements) {
        s.execute(sql);
      }
      c.commit();
      return xid;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** The messages split into transactions: each from its Begin to its Commit. */
  private static List<List<PgOutputMessage>> transactions(List<PgOutputMessage> messages) {
    List<List<PgOutputMessage>> out = new ArrayList<>();
    List<PgOutputMessage> current = null;
    for (PgOutputMessage m : messages) {
      if (m instanceof Begin) {
        assertThat(current).as("a Begin inside a transaction").isNull();
        current = new ArrayList<>();
      }
      assertThat(current).as("%s outside a transaction", m).isNotNull();
      current.add(m);
      if (m instanceof Commit) {
        out.add(current);
        current = null;
      }
    }
    assertThat(current).as("a transaction without Commit").isNull();
    return out;
  }

  /** The changes of a transaction, without Begin and Commit, whose LSNs and times agree. */
  private static List<PgOutputMessage> changes(List<PgOutputMessage> transaction, long xid) {
    Begin begin = (Begin) transaction.get(0);
    Commit commit = (Commit) transaction.get(transaction.size() - 1);
    assertThat(begin.xid()).isEqualTo(xid);
    assertThat(begin.finalLsn()).isEqualTo(commit.commitLsn());
    assertThat(commit.endLsn()).isGreaterThan(commit.commitLsn());
    assertThat(commit.flags()).isZero();
    assertThat(begin.commitTime()).isEqualTo(commit.commitTime());
    assertThat(commit.commitTime())
        .isBetween(Instant.now().minus(Duration.ofMinutes(5)), Instant.now());
    return transaction.subList(1, transaction.size() - 1);
  }

  @Test
  void insertsUpdatesAndDeletesArriveWithTheirOldAndNewRows() throws Exception {
    String db = database("decoder_changes");
    try (Connection app = POSTGRES.server().connect(db)) {
      Sql.execute(
          app,
          "CREATE TABLE items (id int PRIMARY KEY, name text, note varchar(20))",
          "CREATE TABLE full_items (id int PRIMARY KEY, name text)",
          "ALTER TABLE full_items REPLICA IDENTITY FULL",
          "CREATE PUBLICATION pub FOR TABLE items, full_items");
      long items = oid(app, "items");
      long fullItems = oid(app, "full_items");
      try (PgOutputSlot slot = slot(db)) {
        long insert =
            transaction(
                app,
                "INSERT INTO items VALUES (1, 'a', NULL), (2, 'b', 'x y')",
                "INSERT INTO full_items VALUES (1, 'one')");
        long updateName = transaction(app, "UPDATE items SET name = 'c' WHERE id = 1");
        long updateKey = transaction(app, "UPDATE items SET id = 10 WHERE id = 2");
        long updateFull = transaction(app, "UPDATE full_items SET name = 'uno' WHERE id = 1");
        long deletes =
            transaction(app, "DELETE FROM items WHERE id = 10", "DELETE FROM full_items");
        List<List<PgOutputMessage>> txs = transactions(slot.read(app, "pub", TIMEOUT));
        assertThat(txs).hasSize(5);

        List<PgOutputMessage> inserted = changes(txs.get(0), insert);
        assertThat(inserted).hasSize(5);
        assertThat(inserted.get(0))
            .isEqualTo(
                new Relation(
                    items,
                    "public",
                    "items",
                    PgTable.ReplicaIdentity.DEFAULT,
                    List.of(
                        new Relation.Column(1, "id", 23, -1),
                        new Relation.Column(0, "name", 25, -1),
                        new Relation.Column(0, "note", 1043, 24))));
        assertThat(((Insert) inserted.get(1)).relationOid()).isEqualTo(items);
        assertThat(((Insert) inserted.get(1)).newTuple()).hasToString("('1', 'a', NULL)");
        assertThat(((Insert) inserted.get(2)).newTuple()).hasToString("('2', 'b', 'x y')");
        assertThat(inserted.get(3))
            .isEqualTo(
                new Relation(
                    fullItems,
                    "public",
                    "full_items",
                    PgTable.ReplicaIdentity.FULL,
                    List.of(
                        // With REPLICA IDENTITY FULL every column identifies the row.
                        new Relation.Column(1, "id", 23, -1),
                        new Relation.Column(1, "name", 25, -1))));
        assertThat(((Insert) inserted.get(4)).newTuple()).hasToString("('1', 'one')");

        Update name = (Update) changes(txs.get(1), updateName).get(0);
        assertThat(name.relationOid()).isEqualTo(items);
        assertThat(name.oldTuple()).isEmpty();
        assertThat(name.newTuple()).hasToString("('1', 'c', NULL)");

        Update key = (Update) changes(txs.get(2), updateKey).get(0);
        assertThat(key.oldTuple().orElseThrow().kind()).isEqualTo(OldTuple.Kind.KEY);
        assertThat(key.oldTuple().orElseThrow().tuple()).hasToString("('2', NULL, NULL)");
        assertThat(key.newTuple()).hasToString("('10', 'b', 'x y')");

        Update full = (Update) changes(txs.get(3), updateFull).get(0);
        assertThat(full.relationOid()).isEqualTo(fullItems);
        assertThat(full.oldTuple().orElseThrow().kind()).isEqualTo(OldTuple.Kind.FULL);
        assertThat(full.oldTuple().orElseThrow().tuple()).hasToString("('1', 'one')");
        assertThat(full.newTuple()).hasToString("('1', 'uno')");

        List<PgOutputMessage> deleted = changes(txs.get(4), deletes);
        Delete byKey = (Delete) deleted.get(0);
        assertThat(byKey.relationOid()).isEqualTo(items);
        assertThat(byKey.oldTuple().kind()).isEqualTo(OldTuple.Kind.KEY);
        assertThat(byKey.oldTuple().tuple()).hasToString("('10', NULL, NULL)");
        Delete wholeRow = (Delete) deleted.get(1);
        assertThat(wholeRow.relationOid()).isEqualTo(fullItems);
        assertThat(wholeRow.oldTuple().kind()).isEqualTo(OldTuple.Kind.FULL);
        assertThat(wholeRow.oldTuple().tuple()).hasToString("('1', 'uno')");
      }
    }
  }

  @Test
  void anUpdateThatLeavesAToastedValueAloneDoesNotCarryIt() throws Exception {
    String db = database("decoder_toast");
    try (Connection app = POSTGRES.server().connect(db)) {
      Sql.execute(
          app,
          "CREATE TABLE docs (id int PRIMARY KEY, body text, n int)",
          // Stored out of line and uncompressed: always TOASTed.
          "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL",
          "CREATE TABLE full_docs (id int PRIMARY KEY, body text, n int)",
          "ALTER TABLE full_docs ALTER COLUMN body SET STORAGE EXTERNAL",
          "ALTER TABLE full_docs REPLICA IDENTITY FULL",
          "CREATE PUBLICATION pub FOR TABLE docs, full_docs");
      String body = "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 1000) g)";
      String expected = Sql.strings(app, "SELECT " + body).get(0);
      try (PgOutputSlot slot = slot(db)) {
        long insert =
            transaction(
                app,
                "INSERT INTO docs VALUES (1, " + body + ", 0)",
                "INSERT INTO full_docs VALUES (1, " + body + ", 0)");
        long update =
            transaction(app, "UPDATE docs SET n = n + 1", "UPDATE full_docs SET n = n + 1");
        long bodyUpdate = transaction(app, "UPDATE docs SET body = body || '!', n = 2");
        List<List<PgOutputMessage>> txs = transactions(slot.read(app, "pub", TIMEOUT));
        assertThat(txs).hasSize(3);

        List<PgOutputMessage> inserted = changes(txs.get(0), insert);
        TupleData insertedDoc = ((Insert) inserted.get(1)).newTuple();
        assertThat(insertedDoc.text(1)).hasSize(32_000).isEqualTo(expected);

        List<PgOutputMessage> updated = changes(txs.get(1), update);
        Update doc = (Update) updated.get(0);
        assertThat(doc.oldTuple()).isEmpty();
        assertThat(doc.newTuple().kind(1)).isEqualTo(TupleData.Kind.UNCHANGED_TOAST);
        assertThat(doc.newTuple()).hasToString("('1', UNCHANGED, '1')");
        assertThat(doc.newTuple().hasUnchangedToast()).isTrue();
        Update fullDoc = (Update) updated.get(1);
        // The old row of REPLICA IDENTITY FULL carries the value the new row leaves out.
        assertThat(fullDoc.oldTuple().orElseThrow().tuple().text(1)).isEqualTo(expected);
        assertThat(fullDoc.newTuple().kind(1)).isEqualTo(TupleData.Kind.UNCHANGED_TOAST);

        Update changed = (Update) changes(txs.get(2), bodyUpdate).get(0);
        assertThat(changed.newTuple().kind(1)).isEqualTo(TupleData.Kind.TEXT);
        assertThat(changed.newTuple().text(1)).isEqualTo(expected + "!");
      }
    }
  }

  @Test
  void aTruncateOfTwoTablesIsOneMessage() throws Exception {
    String db = database("decoder_truncate");
    try (Connection app = POSTGRES.server().connect(db)) {
      Sql.execute(
          app,
          "CREATE TABLE parents (id serial PRIMARY KEY)",
          "CREATE TABLE children (id int PRIMARY KEY, parent int REFERENCES parents)",
          "CREATE TABLE others (id int PRIMARY KEY)",
          "CREATE PUBLICATION pub FOR TABLE parents, children, others",
          "INSERT INTO parents VALUES (1)",
          "INSERT INTO children VALUES (1, 1)",
          "INSERT INTO others VALUES (1)");
      long parents = oid(app, "parents");
      long children = oid(app, "children");
      long others = oid(app, "others");
      try (PgOutputSlot slot = slot(db)) {
        long plain = transaction(app, "TRUNCATE others, children");
        long cascade = transaction(app, "TRUNCATE parents RESTART IDENTITY CASCADE");
        List<List<PgOutputMessage>> txs = transactions(slot.read(app, "pub", TIMEOUT));
        assertThat(txs).hasSize(2);

        List<PgOutputMessage> first = changes(txs.get(0), plain);
        assertThat(first).filteredOn(m -> m instanceof Relation).hasSize(2);
        List<PgOutputMessage> truncates =
            first.stream().filter(m -> m instanceof Truncate).toList();
        assertThat(truncates).hasSize(1);
        Truncate both = (Truncate) truncates.get(0);
        assertThat(both.relationOids()).containsExactlyInAnyOrder(others, children);
        assertThat(both.cascade()).isFalse();
        assertThat(both.restartIdentity()).isFalse();

        Truncate cascaded =
            (Truncate)
                changes(txs.get(1), cascade).stream()
                    .filter(m -> m instanceof Truncate)
                    .findFirst()
                    .orElseThrow();
        assertThat(cascaded.relationOids()).containsExactlyInAnyOrder(parents, children);
        assertThat(cascaded.cascade()).isTrue();
        assertThat(cascaded.restartIdentity()).isTrue();
      }
    }
  }

  @Test
  void aTableIsDescribedAgainAfterAlterTable() throws Exception {
    String db = database("decoder_alter");
    try (Connection app = POSTGRES.server().connect(db)) {
      Sql.execute(
          app,
          "CREATE TABLE items (id int PRIMARY KEY, name text)",
          "CREATE PUBLICATION pub FOR TABLE items");
      long items = oid(app, "items");
      try (PgOutputSlot slot = slot(db)) {
        long before = transaction(app, "INSERT INTO items VALUES (1, 'a')");
        long again = transaction(app, "INSERT INTO items VALUES (2, 'b')");
        Sql.execute(app, "ALTER TABLE items ADD COLUMN amount numeric(12, 2)");
        long after = transaction(app, "INSERT INTO items VALUES (3, 'c', 1.50)");
        List<List<PgOutputMessage>> txs = transactions(slot.read(app, "pub", TIMEOUT));
        assertThat(txs).hasSize(3);

        List<PgOutputMessage> first = changes(txs.get(0), before);
        assertThat(((Relation) first.get(0)).columns()).hasSize(2);
        // Described once per session until it changes.
        List<PgOutputMessage> second = changes(txs.get(1), again);
        assertThat(second).hasSize(1).first().isInstanceOf(Insert.class);

        List<PgOutputMessage> third = changes(txs.get(2), after);
        assertThat(third).hasSize(2);
        assertThat(third.get(0))
            .isEqualTo(
                new Relation(
                    items,
                    "public",
                    "items",
                    PgTable.ReplicaIdentity.DEFAULT,
                    List.of(
                        new Relation.Column(1, "id", 23, -1),
                        new Relation.Column(0, "name", 25, -1),
                        new Relation.Column(0, "amount", 1700, (12 << 16 | 2) + 4))));
        assertThat(((Insert) third.get(1)).newTuple()).hasToString("('3', 'c', '1.50')");
      }
    }
  }

  @Test
  void typesOriginsAndLogicalMessagesAreDecoded() throws Exception {
    String db = database("decoder_messages");
    try (Connection app = POSTGRES.server().connect(db)) {
      Sql.execute(
          app,
          "CREATE TYPE mood AS ENUM ('sad', 'happy')",
          "CREATE TABLE feelings (id int PRIMARY KEY, m mood)",
          "CREATE PUBLICATION pub FOR TABLE feelings",
          "SELECT pg_replication_origin_create('mzflink_test_origin')");
      long mood = Sql.longValue(app, "SELECT 'mood'::regtype::oid");
      try (PgOutputSlot slot = slot(db)) {
        long typed =
            transaction(
                app,
                "INSERT INTO feelings VALUES (1, 'happy')",
                "SELECT pg_logical_emit_message(true, 'mz', 'in the transaction')");
        Sql.execute(app, "SELECT pg_logical_emit_message(false, 'mz', 'at once')");
        Sql.execute(app, "SELECT pg_replication_origin_session_setup('mzflink_test_origin')");
        long fromOrigin;
        try {
          fromOrigin =
              transaction(
                  app,
                  "SELECT pg_replication_origin_xact_setup('0/12345678', now())",
                  "INSERT INTO feelings VALUES (2, 'sad')");
        } finally {
          Sql.execute(
              app,
              "SELECT pg_replication_origin_session_reset()",
              "SELECT pg_replication_origin_drop('mzflink_test_origin')");
        }
        List<PgOutputMessage> messages = slot.read(app, "pub", TIMEOUT);
        // The non-transactional message stands between the two transactions.
        int atOnce = -1;
        for (int i = 0; i < messages.size(); i++) {
          if (messages.get(i) instanceof LogicalMessage m && !m.transactional()) {
            atOnce = i;
          }
        }
        LogicalMessage atOnceMessage = (LogicalMessage) messages.get(atOnce);
        assertThat(atOnceMessage.prefix()).isEqualTo("mz");
        assertThat(atOnceMessage.text()).isEqualTo("at once");
        assertThat(messages.get(atOnce - 1)).isInstanceOf(Commit.class);
        assertThat(messages.get(atOnce + 1)).isInstanceOf(Begin.class);
        List<PgOutputMessage> withoutIt = new ArrayList<>(messages);
        withoutIt.remove(atOnce);
        List<List<PgOutputMessage>> txs = transactions(withoutIt);
        assertThat(txs).hasSize(2);

        List<PgOutputMessage> first = changes(txs.get(0), typed);
        assertThat(first.get(0)).isEqualTo(new Type(mood, "public", "mood"));
        assertThat(((Relation) first.get(1)).columns().get(1).typeOid()).isEqualTo(mood);
        assertThat(((Insert) first.get(2)).newTuple()).hasToString("('1', 'happy')");
        assertThat(first.get(3))
            .isInstanceOfSatisfying(
                LogicalMessage.class,
                m -> {
                  assertThat(m.transactional()).isTrue();
                  assertThat(m.text()).isEqualTo("in the transaction");
                });

        List<PgOutputMessage> second = changes(txs.get(1), fromOrigin);
        assertThat(second.get(0)).isEqualTo(new Origin(0x12345678L, "mzflink_test_origin"));
        assertThat(((Insert) second.get(1)).newTuple()).hasToString("('2', 'sad')");
      }
    }
  }
}
