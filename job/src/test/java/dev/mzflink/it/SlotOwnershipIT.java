package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.UserError;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.pg.ReplicationSlots;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.status.SlotRegistry;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.JarProcess;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline drops, takes over or ends the reader of only the replication slots its results
 * database records as its own (mzflink.replication_slots): a second pipeline of the same source
 * name is refused while the first reads the slot and leaves it alone, a slot of the pipeline's name
 * that no one recorded is not taken over, and {@code slots drop --inactive} drops only recorded
 * slots nothing needs, listing the others with the command that drops them by name.
 */
class SlotOwnershipIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path work;

  @BeforeAll
  static void upstream() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    for (String database :
        List.of("app", "first", "second", "third", "ops", "ops_results", "legacy_results")) {
      server.createDatabase(database);
    }
    for (String database : List.of("app", "ops")) {
      try (Connection c = server.connect(database)) {
        Sql.execute(
            c,
            "CREATE TABLE t (id int PRIMARY KEY, v text)",
            "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 200) g",
            "CREATE PUBLICATION p FOR TABLE t");
      }
    }
  }

  @AfterAll
  static void dropSlots() throws Exception {
    for (String database : List.of("app", "ops")) {
      try (Connection c = POSTGRES.server().connect(database)) {
        Sql.strings(
            c,
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE database = current_database() AND NOT active");
      }
    }
  }

  private static String source(String name, String database) {
    return "CREATE MATERIALIZED SOURCE "
        + name
        + " FROM POSTGRES HOST '"
        + POSTGRES.server().conninfo(database)
        + "' PUBLICATION 'p';\n";
  }

  private static Path script(String name, String text) throws Exception {
    Path path = work.resolve(name);
    Files.writeString(path, text);
    return path;
  }

  private static String slotState(Connection c, String slot) throws Exception {
    return Sql.strings(
            c,
            "SELECT active || ' ' || coalesce(active_pid, 0) || ' ' || confirmed_flush_lsn"
                + " FROM pg_replication_slots WHERE slot_name = '"
                + slot
                + "'")
        .stream()
        .findFirst()
        .orElse("absent");
  }

  @Test
  void aSecondPipelineOfTheSameSourceNameIsRefusedAndLeavesTheFirstsSlotAlone() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    // The README's source name, in two scripts reading one upstream database.
    String text = source("mz_source", "app") + "CREATE VIEWS FROM SOURCE mz_source;\n";
    Path script = script("mz_source.sql", text);
    try (Connection app = server.connect("app");
        Connection first = server.connect("first");
        RunningPipeline pipeline = Pipelines.start(text, server.jdbcUrl("first"), 1)) {
      Tables.awaitEqual(app, first, List.of("\"public\".\"t\""), Duration.ofSeconds(90));
      String before = slotState(app, "materialize_mz_source");
      assertThat(before).startsWith("true ");
      String reader = before.split(" ")[1];

      // Another pipeline (its own results database, and then the same one): refused, naming the
      // slot, its reader and the way out, before it touches anything.
      for (String results : List.of("second", "first")) {
        try (JarProcess run =
            JarProcess.start(
                work, "run", script.toString(), "--results-url", server.jdbcUrl(results))) {
          assertThat(run.waitFor(120)).as(run.stdout() + run.stderr()).isEqualTo(1);
          assertThat(run.stderr())
              .contains(
                  "replication slot \"materialize_mz_source\" of source \"public\".\"mz_source\""
                      + " is in use by pid "
                      + reader)
              .contains("--slot-suffix")
              .doesNotContain("\tat ");
        }
        assertThat(slotState(app, "materialize_mz_source").split(" ")[1])
            .as("the first pipeline's walsender")
            .isEqualTo(reader);
      }
      try (Connection second = server.connect("second")) {
        assertThat(Sql.strings(second, "SELECT to_regclass('public.t')::text"))
            .containsExactly((String) null);
      }

      // The first pipeline still replicates through its slot.
      Sql.execute(app, "INSERT INTO t VALUES (1000, 'after the refused runs')");
      Tables.awaitEqual(app, first, List.of("\"public\".\"t\""), Duration.ofSeconds(60));
      assertThat(pipeline.stop()).containsExactly("materialize_mz_source");
    }
    try (Connection app = server.connect("app")) {
      assertThat(slotState(app, "materialize_mz_source")).isEqualTo("absent");
    }
  }

  @Test
  void aFreshStartDoesNotTakeOverASlotOfItsNameThatItDidNotRecord() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    try (Connection app = server.connect("app");
        Connection second = server.connect("second")) {
      // Someone's slot of the name this pipeline would use (another pipeline's savepointed slot).
      Sql.execute(
          app, "SELECT pg_create_logical_replication_slot('materialize_taken', 'pgoutput')");
      try {
        String before = slotState(app, "materialize_taken");
        String text = source("taken", "app") + "CREATE VIEWS FROM SOURCE taken (t AS taken_t);\n";
        assertThatThrownBy(() -> Pipelines.start(text, server.jdbcUrl("second"), 1).close())
            .isInstanceOfSatisfying(
                UserError.class,
                e -> {
                  assertThat(e.primary())
                      .isEqualTo(
                          "replication slot \"materialize_taken\" of source \"public\".\"taken\""
                              + " exists and is not recorded as this pipeline's");
                  assertThat(e.hint().orElse(""))
                      .contains("--slot-suffix")
                      .contains("mzflink slots drop --host '")
                      .contains("materialize_taken --unrecorded");
                });
        assertThat(slotState(app, "materialize_taken")).isEqualTo(before);
        assertThat(
                Sql.strings(
                    second,
                    "SELECT count(*)::text FROM pg_tables WHERE schemaname = 'mzflink'"
                        + " AND tablename = 'replication_slots'"))
            .containsExactly("0");
      } finally {
        Sql.execute(app, "SELECT pg_drop_replication_slot('materialize_taken')");
      }
    }
  }

  @Test
  void aSlotThisPipelineOnlyClaimedIsNotTakenOver() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    try (Connection app = server.connect("app");
        Connection third = server.connect("third")) {
      // Two pipelines of one slot name started at once (their own results databases) both claim
      // the slot before either creates it; the other one created it.
      SlotRegistry.record(
          third,
          ReplicationSlots.systemIdentifier(app),
          "materialize_raced",
          new SlotRegistry.Owner("app", "\"public\".\"raced\""),
          "an earlier start",
          Optional.empty());
      Sql.execute(
          app, "SELECT pg_create_logical_replication_slot('materialize_raced', 'pgoutput')");
      try {
        String before = slotState(app, "materialize_raced");
        String text = source("raced", "app") + "CREATE VIEWS FROM SOURCE raced (t AS raced_t);\n";
        assertThatThrownBy(() -> Pipelines.start(text, server.jdbcUrl("third"), 1).close())
            .isInstanceOfSatisfying(
                UserError.class,
                e -> {
                  assertThat(e.primary())
                      .isEqualTo(
                          "replication slot \"materialize_raced\" of source \"public\".\"raced\""
                              + " exists and is not recorded as this pipeline's");
                  assertThat(e.detail().orElse("")).contains("about to create it");
                });
        assertThat(slotState(app, "materialize_raced")).isEqualTo(before);
      } finally {
        Sql.execute(app, "SELECT pg_drop_replication_slot('materialize_raced')");
      }
    }
  }

  /** {@code mzflink slots adopt} with {@code args}, which must exit 1 with {@code message}. */
  private static void adoptRefused(String message, String... args) throws Exception {
    String[] command = new String[args.length + 2];
    command[0] = "slots";
    command[1] = "adopt";
    System.arraycopy(args, 0, command, 2, args.length);
    try (JarProcess adopt = JarProcess.start(work, command)) {
      assertThat(adopt.waitFor(120)).as(adopt.stdout() + adopt.stderr()).isEqualTo(1);
      assertThat(adopt.stderr()).contains(message).doesNotContain("\tat ");
    }
  }

  @Test
  void aSlotLeftBeforeTheRegistryIsAdoptedAndItsSavepointResumes() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    String resultsUrl = server.jdbcUrl("legacy_results");
    String text = source("legacy", "app") + "CREATE VIEWS FROM SOURCE legacy;\n";
    Path script = script("legacy.sql", text);
    try (Connection app = server.connect("app");
        Connection results = server.connect("legacy_results")) {
      try {
        String savepoint;
        try (RunningPipeline pipeline = Pipelines.start(text, resultsUrl, 1)) {
          Tables.awaitEqual(app, results, List.of("\"public\".\"t\""), Duration.ofSeconds(90));
          // A slot a walsender reads is not adopted.
          adoptRefused(
              "replication slot \"materialize_legacy\" is in use by pid",
              script.toString(),
              "--results-url",
              resultsUrl,
              "--slot",
              "materialize_legacy");
          savepoint = pipeline.stopWithSavepoint(work.resolve("legacy").toUri().toString());
        }
        // An mzflink version before the registry recorded nothing: its savepoint's slot is
        // unrecorded. Changes made meanwhile wait in the slot.
        Sql.execute(
            results,
            "DELETE FROM mzflink.replication_slots WHERE slot_name = 'materialize_legacy'");
        Sql.execute(app, "INSERT INTO t VALUES (3000, 'while stopped')");
        String before = slotState(app, "materialize_legacy");
        assertThat(before).startsWith("false ");

        // The resume is refused, with the way out.
        assertThatThrownBy(
                () -> Pipelines.start(text, resultsUrl, 1, Optional.of(savepoint)).close())
            .isInstanceOfSatisfying(
                UserError.class,
                e -> {
                  assertThat(e.primary())
                      .isEqualTo(
                          "replication slot \"materialize_legacy\" of source \"public\".\"legacy\""
                              + " exists and is not recorded as this pipeline's");
                  assertThat(e.hint().orElse(""))
                      .contains(
                          "mzflink slots adopt SCRIPT --results-url '"
                              + resultsUrl
                              + "' --slot materialize_legacy");
                });
        assertThat(slotState(app, "materialize_legacy")).isEqualTo(before);

        // What adopt refuses besides: a slot that is not mzflink's, not the script's, absent, or
        // recorded for another source.
        adoptRefused(
            "replication slot \"other_tool\" is not mzflink's",
            script.toString(),
            "--results-url",
            resultsUrl,
            "--slot",
            "other_tool");
        adoptRefused(
            "script legacy.sql does not use replication slot \"materialize_other\"",
            script.toString(),
            "--results-url",
            resultsUrl,
            "--slot",
            "materialize_other");
        adoptRefused(
            "replication slot \"materialize_ghost\" does not exist",
            "-e",
            source("ghost", "app") + "CREATE VIEWS FROM SOURCE ghost (t AS ghost_t);",
            "--results-url",
            resultsUrl,
            "--slot",
            "materialize_ghost");
        String system = ReplicationSlots.systemIdentifier(app);
        SlotRegistry.record(
            results,
            system,
            "materialize_legacy",
            new SlotRegistry.Owner("app", "\"public\".\"someone\""),
            "another pipeline",
            Optional.empty());
        adoptRefused(
            "replication slot \"materialize_legacy\" is recorded for source \"public\".\"someone\""
                + " of database \"app\"",
            script.toString(),
            "--results-url",
            resultsUrl,
            "--slot",
            "materialize_legacy");
        SlotRegistry.forget(results, system, "materialize_legacy");
        assertThat(slotState(app, "materialize_legacy")).isEqualTo(before);

        try (JarProcess adopt =
            JarProcess.start(
                work,
                "slots",
                "adopt",
                script.toString(),
                "--results-url",
                resultsUrl,
                "--slot",
                "materialize_legacy")) {
          assertThat(adopt.waitFor(120)).as(adopt.stderr()).isZero();
          assertThat(adopt.stdout())
              .contains(
                  "Adopted replication slot materialize_legacy: "
                      + resultsUrl
                      + " records it as source \"public\".\"legacy\"'s (mzflink legacy.sql).");
        }
        assertThat(
                Sql.strings(
                    results,
                    "SELECT database || ' ' || source || ' ' || (created_lsn IS NOT NULL) || ' '"
                        + " || kept_for FROM mzflink.replication_slots"
                        + " WHERE slot_name = 'materialize_legacy'"))
            .containsExactly(
                "app \"public\".\"legacy\" true a resume (adopted by mzflink slots adopt)");
        try (JarProcess again =
            JarProcess.start(
                work,
                "slots",
                "adopt",
                script.toString(),
                "--results-url",
                resultsUrl,
                "--slot",
                "materialize_legacy")) {
          assertThat(again.waitFor(120)).as(again.stderr()).isZero();
          assertThat(again.stdout()).contains("is already recorded as source");
        }
        assertThat(slotState(app, "materialize_legacy")).isEqualTo(before);

        // The savepoint resumes from the adopted slot: the row written while stopped arrives.
        try (RunningPipeline pipeline =
            Pipelines.start(text, resultsUrl, 1, Optional.of(savepoint))) {
          Tables.awaitEqual(app, results, List.of("\"public\".\"t\""), Duration.ofSeconds(90));
          assertThat(Sql.strings(results, "SELECT v FROM t WHERE id = 3000"))
              .containsExactly("while stopped");
          assertThat(pipeline.stop()).containsExactly("materialize_legacy");
        }
        assertThat(slotState(app, "materialize_legacy")).isEqualTo("absent");
      } finally {
        Sql.strings(
            app,
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                + " WHERE slot_name = 'materialize_legacy' AND NOT active");
      }
    }
  }

  @Test
  void slotsDropInactiveAndDropSourceDropOnlyRecordedSlots() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    String host = server.conninfo("ops");
    String resultsUrl = server.jdbcUrl("ops_results");
    try (Connection ops = server.connect("ops");
        Connection results = server.connect("ops_results")) {
      // Slots that are not mzflink's: one named like Materialize's own, one of another tool.
      Sql.execute(
          ops,
          "SELECT pg_create_logical_replication_slot('materialize_0a1b2c3d4e5f', 'pgoutput')",
          "SELECT pg_create_logical_replication_slot('other_tool', 'pgoutput')");

      // A run killed without cleaning up leaves its slot: recorded, nothing keeps it.
      Path orphan =
          script("orphan.sql", source("orphan", "ops") + "CREATE VIEWS FROM SOURCE orphan;\n");
      try (JarProcess run =
          JarProcess.start(work, "run", orphan.toString(), "--results-url", resultsUrl)) {
        Await.until(
            "the run to create its results table",
            Duration.ofSeconds(120),
            () -> !Sql.strings(results, "SELECT to_regclass('public.t')::text").contains(null));
        Tables.awaitEqual(ops, results, List.of("\"public\".\"t\""), Duration.ofSeconds(120));
        run.kill();
      }
      Await.until(
          "the killed run's walsender to exit",
          Duration.ofSeconds(60),
          () -> slotState(ops, "materialize_orphan").startsWith("false "));

      // A pipeline stopped with a savepoint: its slot is recorded as kept for that savepoint.
      String kept = source("kept", "ops") + "CREATE VIEWS FROM SOURCE kept (t AS kept_t);\n";
      String savepoint;
      try (RunningPipeline pipeline = Pipelines.start(kept, resultsUrl, 1)) {
        Await.until(
            "the snapshot in kept_t",
            Duration.ofSeconds(90),
            () -> Sql.longValue(results, "SELECT count(*) FROM kept_t") == 200);
        savepoint = pipeline.stopWithSavepoint(work.resolve("savepoints").toUri().toString());
      }

      try (JarProcess list =
          JarProcess.start(work, "slots", "list", "--host", host, "--results-url", resultsUrl)) {
        assertThat(list.waitFor(60)).as(list.stderr()).isZero();
        assertThat(list.stdout())
            .containsPattern("materialize_orphan .*mzflink: source \"public\".\"orphan\"")
            .containsPattern("materialize_kept .*kept for savepoint")
            .containsPattern("materialize_0a1b2c3d4e5f .*not recorded as mzflink's")
            .doesNotContain("other_tool");
      }
      try (JarProcess drop =
          JarProcess.start(work, "slots", "drop", "--host", host, "--inactive", "--yes")) {
        assertThat(drop.waitFor(60)).isEqualTo(1);
        assertThat(drop.stderr()).contains("mzflink slots drop --inactive needs --results-url");
      }
      try (JarProcess drop =
          JarProcess.start(
              work,
              "slots",
              "drop",
              "--host",
              host,
              "--results-url",
              resultsUrl,
              "--inactive",
              "--yes")) {
        assertThat(drop.waitFor(60)).as(drop.stderr()).isZero();
        assertThat(drop.stdout())
            .contains("Dropped materialize_orphan.")
            .contains("materialize_0a1b2c3d4e5f: mzflink slots drop --host '")
            .contains("materialize_0a1b2c3d4e5f --unrecorded")
            .contains("materialize_kept (kept for savepoint " + savepoint);
      }
      assertThat(Sql.strings(ops, "SELECT slot_name FROM pg_replication_slots ORDER BY 1"))
          .containsExactly("materialize_0a1b2c3d4e5f", "materialize_kept", "other_tool");

      // By name: an unrecorded slot only with --unrecorded; never a slot not named materialize_.
      try (JarProcess drop =
          JarProcess.start(
              work, "slots", "drop", "--host", host, "--yes", "materialize_0a1b2c3d4e5f")) {
        assertThat(drop.waitFor(60)).isEqualTo(1);
        assertThat(drop.stderr())
            .contains("replication slot \"materialize_0a1b2c3d4e5f\" is not recorded as mzflink's");
      }
      try (JarProcess drop =
          JarProcess.start(work, "slots", "drop", "--host", host, "--yes", "other_tool")) {
        assertThat(drop.waitFor(60)).isEqualTo(1);
        assertThat(drop.stderr()).contains("replication slot \"other_tool\" is not mzflink's");
      }
      try (JarProcess drop =
          JarProcess.start(
              work,
              "slots",
              "drop",
              "--host",
              host,
              "--yes",
              "--unrecorded",
              "materialize_0a1b2c3d4e5f")) {
        assertThat(drop.waitFor(60)).as(drop.stderr()).isZero();
        assertThat(drop.stdout()).contains("Dropped materialize_0a1b2c3d4e5f.");
      }

      // DROP SOURCE drops the source's recorded slot and leaves an unrecorded one of its names.
      Sql.execute(
          ops,
          "SELECT pg_create_logical_replication_slot('materialize_kept_public_t', 'pgoutput')");
      Path drop = script("drop.sql", source("kept", "ops") + "DROP SOURCE kept;\n");
      try (JarProcess run =
          JarProcess.start(work, "run", drop.toString(), "--results-url", resultsUrl)) {
        assertThat(run.waitFor(120)).as(run.stderr()).isZero();
        assertThat(run.stdout())
            .contains(
                "DROP SOURCE \"public\".\"kept\": dropped replication slots materialize_kept");
        assertThat(run.stderr())
            .contains(
                "NOTICE: DROP SOURCE \"public\".\"kept\" left replication slot"
                    + " materialize_kept_public_t");
      }
      assertThat(Sql.strings(ops, "SELECT slot_name FROM pg_replication_slots ORDER BY 1"))
          .containsExactly("materialize_kept_public_t", "other_tool");
      Sql.execute(
          ops,
          "SELECT pg_drop_replication_slot('materialize_kept_public_t')",
          "SELECT pg_drop_replication_slot('other_tool')");
    }
  }
}
