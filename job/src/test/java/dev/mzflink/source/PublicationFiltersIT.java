package dev.mzflink.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.UserError;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.testing.CommandLines;
import dev.mzflink.testing.CommandLines.Outcome;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a publication publishes of a table, beyond whole plain tables: row filters and column lists
 * (PostgreSQL 15 and later; the test server is the embedded PostgreSQL 17) and partitioned tables,
 * published through their root or as their partitions. {@code run} reads in the snapshot exactly
 * what the stream sends; the expected answer is PostgreSQL's own ({@code SELECT columns FROM t
 * WHERE filter} in a view upstream, compared with the results table of the same name), through the
 * snapshot and through changes that move rows into and out of the filter. What cannot be read
 * exactly is refused by {@code check}, {@code run} and {@code translate}, naming the table and the
 * publication.
 */
class PublicationFiltersIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path work;

  private static final Duration CATCH_UP = Duration.ofSeconds(120);

  private static EmbeddedPostgresServer databases(String name) throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase(name);
    server.createDatabase(name + "_results");
    return server;
  }

  @Test
  void rowFiltersAndColumnListsAreReadInTheSnapshotAsTheStreamSendsThem() throws Exception {
    EmbeddedPostgresServer server = databases("filtered");
    try (Connection app = server.connect("filtered");
        Connection results = server.connect("filtered_results")) {
      Sql.execute(
          app,
          // A row filter on a non-key column: REPLICA IDENTITY FULL, so that updates may move rows
          // across it (PostgreSQL wants the filter's columns in the replica identity).
          "CREATE TABLE accounts (id int PRIMARY KEY, balance int, owner text)",
          "ALTER TABLE accounts REPLICA IDENTITY FULL",
          "INSERT INTO accounts SELECT g, g % 200 - 50, 'owner ' || g FROM generate_series(1, 3000) g",
          // A column list without "secret" and a row filter on the key.
          "CREATE TABLE people (id int PRIMARY KEY, name text, secret text, age int)",
          "INSERT INTO people SELECT g, 'name ' || g, 'secret ' || g, g % 90 FROM generate_series(1, 3000) g",
          "CREATE PUBLICATION filtered FOR TABLE accounts WHERE (balance > 0),"
              + " people (id, name, age) WHERE (id % 3 <> 0)",
          // PostgreSQL's answer, under the names of the results tables.
          "CREATE VIEW accounts_out AS SELECT * FROM accounts WHERE balance > 0",
          "CREATE VIEW people_out AS SELECT id, name, age FROM people WHERE id % 3 <> 0");
      assertThat(
              Sql.strings(
                  app,
                  "SELECT tablename || ' ' || array_to_string(attnames, ',') || ' ' || rowfilter"
                      + " FROM pg_publication_tables WHERE pubname = 'filtered' ORDER BY 1"))
          .containsExactly(
              "accounts id,balance,owner (balance > 0)", "people id,name,age ((id % 3) <> 0)");
      String script =
          "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("filtered")
              + "' PUBLICATION 'filtered';\n"
              + "CREATE VIEWS FROM SOURCE src (\"public\".\"accounts\" AS accounts_out,"
              + " \"public\".\"people\" AS people_out);\n";
      List<String> compared = List.of("accounts_out", "people_out");
      try (RunningPipeline pipeline =
          Pipelines.start(script, server.jdbcUrl("filtered_results"), 2)) {
        Tables.awaitEqual(app, results, compared, CATCH_UP);
        assertThat(
                Sql.strings(
                    results,
                    "SELECT column_name::text FROM information_schema.columns"
                        + " WHERE table_name = 'people_out' ORDER BY ordinal_position"))
            .containsExactly("id", "name", "age");
        Sql.execute(
            app,
            // Out of the filter and into it (pgoutput sends DELETEs and INSERTs), and within it.
            "UPDATE accounts SET balance = -balance WHERE id % 5 = 0",
            "UPDATE accounts SET balance = balance + 1, owner = 'moved' WHERE id % 7 = 0",
            "DELETE FROM accounts WHERE id % 11 = 0",
            "INSERT INTO accounts SELECT g, g % 3 - 1, 'new' FROM generate_series(5001, 5300) g",
            // A key change that moves rows out of (id % 3 = 1 -> 0) and into (0 -> 2) the filter.
            "UPDATE people SET id = id + 1000001 WHERE id <= 600",
            "UPDATE people SET name = 'renamed', secret = 'changed' WHERE id % 7 = 0",
            "UPDATE people SET secret = 'only the unpublished column' WHERE id % 13 = 0",
            "DELETE FROM people WHERE id % 17 = 0",
            "INSERT INTO people SELECT g, 'new', 's', 1 FROM generate_series(9001, 9300) g");
        Sql.transaction(
            app,
            "UPDATE accounts SET balance = 1 WHERE id BETWEEN 100 AND 200",
            "UPDATE accounts SET balance = 0 WHERE id BETWEEN 150 AND 250");
        Tables.awaitEqual(app, results, compared, CATCH_UP);
      }
    }
  }

  @Test
  void aRowFilterOrColumnListChangedWhileStoppedRefusesTheResume() throws Exception {
    EmbeddedPostgresServer server = databases("changed");
    String resultsUrl = server.jdbcUrl("changed_results");
    try (Connection app = server.connect("changed");
        Connection results = server.connect("changed_results")) {
      Sql.execute(
          app,
          "CREATE TABLE items (id int PRIMARY KEY, name text, note text)",
          "INSERT INTO items SELECT g, 'item ' || g, 'note ' || g FROM generate_series(1, 500) g",
          "CREATE TABLE others (id int PRIMARY KEY, v text)",
          "INSERT INTO others SELECT g, 'v' || g FROM generate_series(1, 100) g",
          "CREATE PUBLICATION changed FOR TABLE items WHERE (id > 100), others",
          "CREATE VIEW items_out AS SELECT * FROM items WHERE id > 100");
      String script =
          "CREATE MATERIALIZED SOURCE resumed FROM POSTGRES HOST '"
              + server.conninfo("changed")
              + "' PUBLICATION 'changed';\n"
              + "CREATE VIEWS FROM SOURCE resumed (\"public\".\"items\" AS items_out,"
              + " \"public\".\"others\" AS others);\n";
      List<String> compared = List.of("items_out", "others");
      String savepoints = work.resolve("changed-savepoints").toUri().toString();
      try {
        String first;
        try (RunningPipeline pipeline = Pipelines.start(script, resultsUrl, 1)) {
          Tables.awaitEqual(app, results, compared, CATCH_UP);
          first = pipeline.stopWithSavepoint(savepoints);
        }
        // Unchanged: the resume goes ahead and streams what was written meanwhile.
        Sql.execute(app, "INSERT INTO items VALUES (1001, 'while stopped', 'n')");
        String second;
        try (RunningPipeline pipeline =
            Pipelines.start(script, resultsUrl, 1, Optional.of(first))) {
          Tables.awaitEqual(app, results, compared, CATCH_UP);
          assertThat(Sql.strings(results, "SELECT name FROM items_out WHERE id = 1001"))
              .containsExactly("while stopped");
          second = pipeline.stopWithSavepoint(savepoints);
        }

        // The row filter changed while stopped: refused, naming the table and both filters.
        Sql.execute(app, "ALTER PUBLICATION changed SET TABLE items WHERE (id > 200), others");
        assertThatThrownBy(
                () -> Pipelines.start(script, resultsUrl, 1, Optional.of(second)).close())
            .isInstanceOfSatisfying(
                UserError.class,
                e -> {
                  assertThat(e.primary())
                      .isEqualTo(
                          "cannot resume source \"public\".\"resumed\": publication \"changed\""
                              + " changed what it publishes of table \"public\".\"items\"");
                  assertThat(e.detail().orElse(""))
                      .contains(
                          "Table \"public\".\"items\": row filter WHERE (id > 100) when the"
                              + " snapshot read it, WHERE (id > 200) now.")
                      .doesNotContain("\"others\"");
                  assertThat(e.hint().orElse("")).contains("without --from-savepoint");
                });
        // A column list instead of the filter's change: refused too.
        Sql.execute(
            app, "ALTER PUBLICATION changed SET TABLE items (id, name) WHERE (id > 100), others");
        assertThatThrownBy(
                () -> Pipelines.start(script, resultsUrl, 1, Optional.of(second)).close())
            .isInstanceOfSatisfying(
                UserError.class,
                e ->
                    assertThat(e.detail().orElse(""))
                        .contains(
                            "Table \"public\".\"items\": column list none (every column) when the"
                                + " snapshot read it, (\"id\", \"name\") now.")
                        .doesNotContain("row filter"));

        // The earlier definition restored: the resume goes ahead.
        Sql.execute(app, "ALTER PUBLICATION changed SET TABLE items WHERE (id > 100), others");
        Sql.execute(app, "UPDATE items SET name = 'after the refusals' WHERE id = 300");
        try (RunningPipeline pipeline =
            Pipelines.start(script, resultsUrl, 1, Optional.of(second))) {
          Tables.awaitEqual(app, results, compared, CATCH_UP);
          assertThat(Sql.strings(results, "SELECT name FROM items_out WHERE id = 300"))
              .containsExactly("after the refusals");
          assertThat(pipeline.stop()).containsExactly("materialize_resumed");
        }
      } finally {
        Sql.strings(
            app,
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE slot_name = 'materialize_resumed' AND NOT active");
      }
    }
  }

  @Test
  void partitionedTablesAreReadThroughTheirRootOrAsTheirPartitionsAsPublished() throws Exception {
    EmbeddedPostgresServer server = databases("parts");
    try (Connection app = server.connect("parts");
        Connection results = server.connect("parts_results")) {
      Sql.execute(
          app,
          "CREATE TABLE measurements (id int, region text, v int, PRIMARY KEY (id, region))"
              + " PARTITION BY LIST (region)",
          "CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN ('eu')",
          "CREATE TABLE measurements_us PARTITION OF measurements FOR VALUES IN ('us')",
          "CREATE TABLE measurements_other PARTITION OF measurements DEFAULT",
          "INSERT INTO measurements SELECT g, (ARRAY['eu', 'us', 'asia'])[g % 3 + 1], g"
              + " FROM generate_series(1, 3000) g",
          // Changes arrive under the root's name, with the root's row filter.
          "CREATE PUBLICATION byroot FOR TABLE measurements WHERE (id % 2 = 0)"
              + " WITH (publish_via_partition_root = true)",
          // Changes arrive under each partition's name.
          "CREATE PUBLICATION byleaf FOR TABLE measurements",
          "CREATE VIEW root_out AS SELECT * FROM measurements WHERE id % 2 = 0");
      assertThat(
              Sql.strings(
                  app,
                  "SELECT pubname || ' ' || tablename FROM pg_publication_tables"
                      + " WHERE pubname IN ('byroot', 'byleaf') ORDER BY 1"))
          .containsExactly(
              "byleaf measurements_eu",
              "byleaf measurements_other",
              "byleaf measurements_us",
              "byroot measurements");
      String script =
          "CREATE MATERIALIZED SOURCE byroot FROM POSTGRES HOST '"
              + server.conninfo("parts")
              + "' PUBLICATION 'byroot';\n"
              + "CREATE VIEWS FROM SOURCE byroot (\"public\".\"measurements\" AS root_out);\n"
              + "CREATE MATERIALIZED SOURCE byleaf FROM POSTGRES HOST '"
              + server.conninfo("parts")
              + "' PUBLICATION 'byleaf';\n"
              + "CREATE VIEWS FROM SOURCE byleaf;\n";
      List<String> compared =
          List.of("root_out", "measurements_eu", "measurements_us", "measurements_other");
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("parts_results"), 2)) {
        Tables.awaitEqual(app, results, compared, CATCH_UP);
        Sql.execute(
            app,
            // Rows that move to another partition (a DELETE in one, an INSERT in the other).
            "UPDATE measurements SET region = 'us' WHERE region = 'eu' AND id <= 600",
            // Key changes that move rows into and out of the root's filter.
            "UPDATE measurements SET id = id + 100001 WHERE id BETWEEN 1000 AND 1300",
            "UPDATE measurements SET v = -v WHERE id % 7 = 0",
            "DELETE FROM measurements WHERE id % 11 = 0",
            "DELETE FROM measurements_other WHERE id % 13 = 0",
            "INSERT INTO measurements SELECT g, (ARRAY['eu', 'us', 'mars'])[g % 3 + 1], g"
                + " FROM generate_series(5001, 5300) g");
        Tables.awaitEqual(app, results, compared, CATCH_UP);
      }
    }
  }

  @Test
  void anUpdateThatBringsARowWithAnUnchangedToastedValueIntoTheFilterStopsTheJob()
      throws Exception {
    EmbeddedPostgresServer server = databases("toastin");
    try (Connection app = server.connect("toastin");
        Connection results = server.connect("toastin_results")) {
      Sql.execute(
          app,
          "CREATE TABLE docs (id int PRIMARY KEY, doc text)",
          "INSERT INTO docs SELECT g, (SELECT string_agg(md5(random()::text), '')"
              + " FROM generate_series(1, 4096)) FROM generate_series(1, 3) g",
          "INSERT INTO docs VALUES (200, 'small')",
          "CREATE PUBLICATION toastin FOR TABLE docs WHERE (id > 100)",
          "CREATE VIEW docs_out AS SELECT * FROM docs WHERE id > 100");
      String script =
          "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST '"
              + server.conninfo("toastin")
              + "' PUBLICATION 'toastin';\n"
              + "CREATE VIEWS FROM SOURCE src (\"public\".\"docs\" AS docs_out);\n";
      try (RunningPipeline pipeline =
          Pipelines.start(script, server.jdbcUrl("toastin_results"), 1)) {
        Tables.awaitEqual(app, results, List.of("docs_out"), CATCH_UP);
        // Into the filter, the TOASTed doc unchanged: pgoutput sends an INSERT without it.
        Sql.execute(app, "UPDATE docs SET id = 1000 WHERE id = 1");
        assertThatThrownBy(pipeline::await)
            .hasStackTraceContaining(
                "an UPDATE of table \"public\".\"docs\" brought a row into the publication's row"
                    + " filter and left TOASTed column(s) \"doc\" unchanged: pgoutput sent it as an"
                    + " INSERT without their values (the WAL carries them only with REPLICA IDENTITY"
                    + " FULL). Run ALTER TABLE \"public\".\"docs\" REPLICA IDENTITY FULL; upstream");
        assertThat(Sql.longValue(results, "SELECT count(*) FROM docs_out WHERE id = 1000"))
            .isZero();
      }
    }
  }

  @Test
  void whatCannotBeReadExactlyIsRefusedNamingTheTableAndThePublication() throws Exception {
    EmbeddedPostgresServer server = databases("refused");
    try (Connection app = server.connect("refused")) {
      Sql.execute(
          app,
          "CREATE TABLE keyed (id int PRIMARY KEY, a int, b text)",
          "CREATE TABLE filtered (id int PRIMARY KEY, a int)",
          "CREATE PUBLICATION nokey FOR TABLE keyed (a, b)",
          "CREATE PUBLICATION onlysome FOR TABLE filtered WHERE (id > 10)");
    }
    Path noKey = script("nokey", server.conninfo("refused"), "nokey");
    String message =
        "publication \"nokey\" leaves primary key column \"id\" of table \"public\".\"keyed\" out of"
            + " its column list";
    String fix =
        "Publish the key too: ALTER PUBLICATION \"nokey\" DROP TABLE \"public\".\"keyed\"; ALTER"
            + " PUBLICATION \"nokey\" ADD TABLE \"public\".\"keyed\" (\"id\", \"a\", \"b\");";
    Outcome check = CommandLines.run("check", noKey.toString());
    assertThat(check.code()).as(check.all()).isEqualTo(1);
    assertThat(check.all()).contains("error: " + message).contains(fix);
    Outcome run =
        CommandLines.run(
            "run", noKey.toString(), "--results-url", server.jdbcUrl("refused_results"));
    assertThat(run.code()).as(run.all()).isEqualTo(1);
    assertThat(run.all()).contains("error: " + message).doesNotContain("Exception");
    Outcome translate = CommandLines.run("translate", noKey.toString());
    assertThat(translate.code()).as(translate.all()).isEqualTo(1);
    assertThat(translate.err()).contains(message).contains(fix);

    // A row filter: run reads it exactly; the per-table Flink SQL cannot.
    Path rows = script("onlysome", server.conninfo("refused"), "onlysome");
    String perTable =
        "publication \"onlysome\" publishes only the rows of its row filter WHERE ((id > 10)) of table"
            + " \"public\".\"filtered\", which the per-table Flink SQL cannot read";
    Outcome rowsTranslate = CommandLines.run("translate", rows.toString());
    assertThat(rowsTranslate.code()).as(rowsTranslate.all()).isEqualTo(1);
    assertThat(rowsTranslate.err())
        .contains(perTable)
        .contains("Run the script with mzflink run (without --per-table-slots)")
        .doesNotContain("Exception");
    assertThat(rowsTranslate.out()).doesNotContain("postgres-cdc");
    Outcome rowsPerTable = CommandLines.run("check", rows.toString(), "--per-table-slots");
    assertThat(rowsPerTable.code()).as(rowsPerTable.all()).isEqualTo(1);
    assertThat(rowsPerTable.all()).contains("error: " + perTable);
    Outcome rowsCheck = CommandLines.run("check", rows.toString());
    assertThat(rowsCheck.all()).doesNotContain("per-table Flink SQL cannot read");
  }

  private static Path script(String name, String conninfo, String publication) throws Exception {
    Path script = work.resolve(name + ".sql");
    Files.writeString(
        script,
        "CREATE MATERIALIZED SOURCE src FROM POSTGRES\n  HOST '"
            + conninfo
            + "'\n  PUBLICATION '"
            + publication
            + "';\nCREATE VIEWS FROM SOURCE src;\n");
    return script;
  }
}
