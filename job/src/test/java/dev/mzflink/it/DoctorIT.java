package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.CommandLines;
import dev.mzflink.testing.CommandLines.Outcome;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import dev.mzflink.translate.SourceReading;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mzflink check} (and {@code run}, which checks first) against real servers configured
 * wrong: each problem is named, with the SQL that fixes it, all are printed together, errors exit 1
 * and warnings alone exit 0. Connection failures are short user errors.
 *
 * <p>Two servers: one with {@code wal_level = replica}, one with logical replication but a single
 * replication slot; both with a pg_hba.conf that trusts {@code postgres}, rejects {@code blocked}
 * and asks everyone else for a password.
 */
class DoctorIT {
  @TempDir static Path work;

  private static EmbeddedPostgresServer replica;
  private static EmbeddedPostgresServer logical;

  @BeforeAll
  static void servers() throws Exception {
    Path hba = work.resolve("pg_hba.conf");
    Files.writeString(
        hba,
        String.join(
            "\n",
            "local all all trust",
            "host all postgres 127.0.0.1/32 trust",
            "host all postgres ::1/128 trust",
            "host all blocked 127.0.0.1/32 reject",
            "hostssl all sslonly 127.0.0.1/32 scram-sha-256",
            "host all app,repl 127.0.0.1/32 scram-sha-256",
            "host all app,repl ::1/128 scram-sha-256",
            "host replication all 127.0.0.1/32 scram-sha-256",
            ""));
    replica =
        EmbeddedPostgresServer.start(Map.of("wal_level", "replica", "hba_file", hba.toString()));
    logical =
        EmbeddedPostgresServer.start(
            Map.of(
                "max_replication_slots", "1", "max_wal_senders", "5", "hba_file", hba.toString()));
    for (EmbeddedPostgresServer server : new EmbeddedPostgresServer[] {replica, logical}) {
      server.createDatabase("app");
      try (Connection app = server.connect("app")) {
        Sql.execute(
            app,
            "CREATE ROLE app LOGIN PASSWORD 'app-secret'",
            "CREATE ROLE repl LOGIN REPLICATION PASSWORD 'repl-secret'",
            "CREATE ROLE blocked LOGIN REPLICATION PASSWORD 'x'",
            "CREATE ROLE sslonly LOGIN REPLICATION PASSWORD 'x'",
            "CREATE TABLE keyed (id int PRIMARY KEY, note text)",
            "ALTER TABLE keyed REPLICA IDENTITY FULL",
            "CREATE TABLE keyless (id int, note int)",
            "CREATE TABLE odd (id int PRIMARY KEY, during int4range, spot point)",
            "ALTER TABLE odd REPLICA IDENTITY FULL",
            "CREATE SCHEMA hidden",
            "CREATE TABLE hidden.secret (id int PRIMARY KEY)",
            "ALTER TABLE hidden.secret REPLICA IDENTITY FULL",
            "GRANT SELECT ON keyed, keyless, odd TO app, repl",
            "CREATE PUBLICATION good FOR TABLE keyed",
            "CREATE PUBLICATION empty",
            "CREATE PUBLICATION keyless FOR TABLE keyed, keyless",
            "CREATE PUBLICATION odd FOR TABLE keyed, odd",
            "CREATE PUBLICATION hidden FOR TABLE keyed, hidden.secret",
            "CREATE PUBLICATION inserts FOR TABLE keyed WITH (publish = 'insert')");
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (replica != null) {
      replica.close();
    }
    if (logical != null) {
      logical.close();
    }
  }

  private static Outcome check(String conninfo, String publication) throws Exception {
    return CommandLines.run("check", script(conninfo, publication).toString());
  }

  private static Path script(String conninfo, String publication) throws Exception {
    Path script = Files.createTempFile(work, "script", ".sql");
    Files.writeString(
        script,
        "CREATE MATERIALIZED SOURCE src FROM POSTGRES\n  HOST '"
            + conninfo
            + "'\n  PUBLICATION '"
            + publication
            + "';\nCREATE VIEWS FROM SOURCE src;\n");
    return script;
  }

  private static String as(EmbeddedPostgresServer server, String user, String password) {
    return "host=127.0.0.1 port="
        + server.port()
        + " user="
        + user
        + " password="
        + password
        + " dbname=app";
  }

  @Test
  void aGoodSetupPassesTheCheck() throws Exception {
    Outcome o = check(as(logical, "repl", "repl-secret"), "good");
    assertThat(o.code()).as(o.all()).isZero();
    assertThat(o.out()).contains("All prerequisites are met.");
  }

  @Test
  void walLevelReplicaIsAnErrorWithTheSettingThatFixesIt() throws Exception {
    Outcome o = check(as(replica, "repl", "repl-secret"), "good");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: wal_level is 'replica', but logical replication needs logical")
        .contains("FIX: ALTER SYSTEM SET wal_level = logical;")
        .contains("then restart PostgreSQL")
        .contains("1 error, 0 warnings")
        .doesNotContain("repl-secret");
  }

  @Test
  void aRoleWithoutReplicationIsNamedWithAlterRole() throws Exception {
    Outcome o = check(as(logical, "app", "app-secret"), "good");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: role \"app\" may not replicate")
        .contains("FIX: ALTER ROLE \"app\" WITH REPLICATION;")
        .contains("password=<secret>")
        .doesNotContain("app-secret");
  }

  @Test
  void aMissingPublicationListsTheExistingOnes() throws Exception {
    Outcome o = check(as(logical, "repl", "repl-secret"), "mz_source");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: publication \"mz_source\" does not exist")
        .contains(
            "Existing publications: \"empty\", \"good\", \"hidden\", \"inserts\", \"keyless\", \"odd\".")
        .contains("FIX: CREATE PUBLICATION \"mz_source\" FOR ALL TABLES;");
  }

  @Test
  void anEmptyPublicationIsAnError() throws Exception {
    Outcome o = check(as(logical, "repl", "repl-secret"), "empty");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: publication \"empty\" has no tables")
        .contains("FIX: ALTER PUBLICATION \"empty\" ADD TABLE \"schema\".\"table\";");
  }

  @Test
  void aPublicationWithoutUpdatesAndDeletesIsAnError() throws Exception {
    Outcome o = check(as(logical, "repl", "repl-secret"), "inserts");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: publication \"inserts\" does not publish update, delete")
        .contains(
            "FIX: ALTER PUBLICATION \"inserts\" SET (publish = 'insert, update, delete, truncate');");
  }

  @Test
  void tooFewReplicationSlotsIsAnErrorNamingTheSlotsInUse() throws Exception {
    try (Connection c = logical.connect("app")) {
      Sql.execute(c, "SELECT pg_create_logical_replication_slot('someone_else', 'pgoutput')");
      try {
        Outcome o = check(as(logical, "repl", "repl-secret"), "good");
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.err())
            .contains(
                "error: not enough free replication slots: the script needs 1, 0 of max_replication_slots = 1 are free")
            .contains("Slots in use: someone_else. The script opens: materialize_src.")
            .contains("FIX: ALTER SYSTEM SET max_replication_slots = 2;");
      } finally {
        Sql.execute(c, "SELECT pg_drop_replication_slot('someone_else')");
      }
    }
  }

  @Test
  void aTableWithoutKeyOrFullIdentityIsAWarningAndTheCheckPasses() throws Exception {
    Outcome o = check(as(logical, "repl", "repl-secret"), "keyless");
    assertThat(o.code()).as(o.all()).isZero();
    assertThat(o.out())
        .contains(
            "warning: table \"public\".\"keyless\" has no primary key and REPLICA IDENTITY DEFAULT")
        .contains("FIX: ALTER TABLE \"public\".\"keyless\" REPLICA IDENTITY FULL;")
        .contains("0 errors, 1 warning");
  }

  @Test
  void lookAlikeNamesAreAWarningForThePerTableSqlOnly() throws Exception {
    logical.createDatabase("alike");
    try (Connection c = logical.connect("alike")) {
      // Schema names that differ where one has "_", a LIKE wildcard; tables of one name, other
      // columns; only one of them published.
      Sql.execute(
          c,
          "CREATE SCHEMA look_alike",
          "CREATE SCHEMA \"lookXalike\"",
          "CREATE TABLE look_alike.addr_ess (id int PRIMARY KEY, street text)",
          "ALTER TABLE look_alike.addr_ess REPLICA IDENTITY FULL",
          "CREATE TABLE \"lookXalike\".addr_ess (id int PRIMARY KEY, zip int, city text)",
          "GRANT USAGE ON SCHEMA look_alike TO repl",
          "GRANT SELECT ON look_alike.addr_ess TO repl",
          "CREATE PUBLICATION alike FOR TABLE look_alike.addr_ess");
    }
    String conninfo =
        "host=127.0.0.1 port=" + logical.port() + " user=repl password=repl-secret dbname=alike";
    Path file = Files.createTempFile(work, "alike", ".sql");
    Files.writeString(
        file,
        "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
            + conninfo
            + "' PUBLICATION 'alike';\n"
            + "CREATE VIEWS FROM SOURCE src (\"look_alike\".\"addr_ess\" AS addr_ess);\n");
    String script = file.toString();

    Outcome perTable = CommandLines.run("check", script, "--per-table-slots");
    assertThat(perTable.code()).as(perTable.all()).isZero();
    assertThat(perTable.out())
        .contains(
            "warning: table \"look_alike\".\"addr_ess\" has a look-alike: \"lookXalike\".\"addr_ess\"\n")
        .contains(
            "  DETAIL: The per-table Flink SQL's decoder (Debezium 1.9 in Flink CDC) reads a table's columns with its"
                + " schema and name as LIKE patterns, in which _ and % are wildcards: the columns of"
                + " \"lookXalike\".\"addr_ess\" mix in with the table's own, and a column name in both makes the"
                + " stream fail at the first change of the table with IllegalStateException: Duplicate key"
                + " (FLINK-38965).\n"
                + "  FIX: Run the script with mzflink run without --per-table-slots: its source matches names"
                + " exactly.\n"
                + "       (or rename one of the tables, or its schema, so that the published names match no other"
                + " table as LIKE patterns)\n")
        .contains("0 errors, 1 warning");

    Outcome oneSlot = CommandLines.run("check", script);
    assertThat(oneSlot.code()).as(oneSlot.all()).isZero();
    assertThat(oneSlot.out()).contains("All prerequisites are met.");
    assertThat(oneSlot.all()).doesNotContain("look-alike");
  }

  /**
   * Neither path locks a table, so SELECT (which {@code check} verifies) is all a snapshot needs.
   * The per-table Flink SQL reads a key-less table with Flink CDC's non-incremental snapshot, where
   * Debezium 1.9.8's InitialSnapshotter (a QueryingSnapshotter) returns no locking statement and
   * reads in the slot's exported snapshot (SET TRANSACTION SNAPSHOT); Flink CDC's incremental
   * snapshot takes no lock either, and mzflink's own source reads by COPY without locks. A role
   * with REPLICATION and SELECT only, which may not take LOCK ... IN SHARE MODE, passes {@code
   * check --per-table-slots} and its per-table run replicates a key-less table.
   */
  @Test
  void thePerTableSnapshotOfAKeylessTableNeedsOnlySelect() throws Exception {
    logical.createDatabase("locks");
    logical.createDatabase("locks_results");
    try (Connection c = logical.connect("locks")) {
      Sql.execute(
          c,
          "CREATE TABLE bare (id int, note text)",
          "INSERT INTO bare SELECT g % 50, 'n' || (g % 7) FROM generate_series(1, 300) g",
          "GRANT SELECT ON bare TO repl",
          "CREATE PUBLICATION locks FOR TABLE bare");
    }
    String jdbc = "jdbc:postgresql://127.0.0.1:" + logical.port() + "/locks";
    try (Connection asRepl = java.sql.DriverManager.getConnection(jdbc, "repl", "repl-secret")) {
      asRepl.setAutoCommit(false);
      // The role lacks what LOCK ... IN SHARE MODE needs (UPDATE, DELETE, TRUNCATE or MAINTAIN).
      try (java.sql.Statement s = asRepl.createStatement()) {
        assertThatThrownBy(() -> s.execute("LOCK TABLE bare IN SHARE MODE"))
            .hasMessageContaining("permission denied");
        asRepl.rollback();
      }
    }
    String conninfo =
        "host=127.0.0.1 port=" + logical.port() + " user=repl password=repl-secret dbname=locks";
    String text =
        "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
            + conninfo
            + "' PUBLICATION 'locks';\nCREATE VIEWS FROM SOURCE src;\n";
    Path file = Files.createTempFile(work, "locks", ".sql");
    Files.writeString(file, text);

    Outcome perTable = CommandLines.run("check", file.toString(), "--per-table-slots");
    assertThat(perTable.code()).as(perTable.all()).isZero();
    assertThat(perTable.all()).doesNotContain("privilege").doesNotContain("may not");

    String resultsUrl = logical.jdbcUrl("locks_results");
    try (Connection upstream = logical.connect("locks");
        Connection results = logical.connect("locks_results")) {
      try (RunningPipeline pipeline =
          Pipelines.start(
              text, resultsUrl, 1, java.util.Optional.empty(), SourceReading.PER_TABLE_SQL)) {
        Tables.awaitEqual(
            upstream, results, List.of("\"public\".\"bare\""), Duration.ofSeconds(180));
        Sql.execute(upstream, "INSERT INTO bare VALUES (7, 'n1'), (1000, 'after the snapshot')");
        Tables.awaitEqual(
            upstream, results, List.of("\"public\".\"bare\""), Duration.ofSeconds(120));
        pipeline.stop();
      } finally {
        Sql.strings(
            upstream,
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE database = 'locks' AND NOT active");
      }
      assertThat(
              Sql.strings(
                  upstream, "SELECT slot_name FROM pg_replication_slots WHERE database = 'locks'"))
          .isEmpty();
    }
  }

  @Test
  void unsupportedTypesAreListedAllAtOnce() throws Exception {
    Outcome o = check(as(logical, "repl", "repl-secret"), "odd");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: 2 columns have unsupported types")
        .contains("\"public\".\"odd\".\"during\": int4range (range types are not supported)")
        .contains("\"public\".\"odd\".\"spot\": point (not supported)")
        .contains("FIX: ALTER PUBLICATION \"odd\" DROP TABLE \"public\".\"odd\";");
  }

  @Test
  void missingPrivilegesNameTheGrant() throws Exception {
    Outcome o = check(as(logical, "repl", "repl-secret"), "hidden");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: role \"repl\" has no USAGE privilege on schema \"hidden\"")
        .contains("FIX: GRANT USAGE ON SCHEMA \"hidden\" TO \"repl\";");
  }

  @Test
  void everyProblemIsPrintedTogether() throws Exception {
    Outcome o = check(as(replica, "app", "app-secret"), "odd");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: wal_level is 'replica'")
        .contains("error: role \"app\" may not replicate")
        .contains("error: 2 columns have unsupported types")
        .contains("3 errors, 0 warnings");
  }

  @Test
  void aWrongPasswordIsAShortUserError() throws Exception {
    Outcome o = check(as(logical, "repl", "wrong-password"), "good");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains(
            "error: could not connect to 127.0.0.1:"
                + logical.port()
                + " (database \"app\", user \"repl\")")
        .contains("DETAIL: Password authentication failed (SQLSTATE 28P01).")
        .contains("FIX: Check the password in the connection string, PGPASSWORD, or ~/.pgpass.")
        .doesNotContain("wrong-password")
        .doesNotContain("at org.postgresql");
  }

  @Test
  void aPgHbaRejectionNamesPgHba() throws Exception {
    Outcome o = check(as(logical, "blocked", "x"), "good");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: could not connect to 127.0.0.1:" + logical.port())
        .contains("pg_hba.conf rejects connection")
        .contains("Add a line for this host, user and database to pg_hba.conf");
  }

  @Test
  void aServerThatRequiresSslSaysSo() throws Exception {
    Outcome o = check(as(logical, "sslonly", "x") + " sslmode=disable", "good");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: could not connect to 127.0.0.1:" + logical.port())
        .contains("no encryption")
        .contains("no pg_hba.conf entry")
        .contains("set sslmode=require in the connection string");
  }

  @Test
  void nothingListeningIsAShortUserError() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Outcome o = check("host=127.0.0.1 port=" + port + " user=repl dbname=app", "good");
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: could not connect to 127.0.0.1:" + port)
        .contains("Connection refused: nothing accepts connections at that address and port.")
        .doesNotContain("Exception");
  }

  @Test
  void runChecksFirstAndStopsOnErrors() throws Exception {
    Outcome o =
        CommandLines.run(
            "run",
            script(as(replica, "repl", "repl-secret"), "good").toString(),
            "--results-url",
            replica.jdbcUrl("postgres"));
    assertThat(o.code()).isEqualTo(1);
    assertThat(o.err())
        .contains("error: wal_level is 'replica', but logical replication needs logical")
        .contains("1 error, 0 warnings");
    assertThat(o.out()).doesNotContain("Started Flink job");
  }
}
