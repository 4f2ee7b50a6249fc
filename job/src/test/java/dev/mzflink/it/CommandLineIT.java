package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.JarProcess;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The built jar as a user runs it: run until Ctrl-C, translate, and user errors. */
class CommandLineIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path work;

  @BeforeAll
  static void upstream() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("app");
    server.createDatabase("results");
    try (Connection app = server.connect("app")) {
      Sql.execute(
          app,
          "CREATE ROLE repl WITH LOGIN REPLICATION SUPERUSER PASSWORD 'hunter2'",
          "CREATE TABLE t (id int PRIMARY KEY, v text)",
          "ALTER TABLE t REPLICA IDENTITY FULL",
          "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g",
          "CREATE PUBLICATION mz_source FOR TABLE t");
    }
  }

  private static Path script(String name, String text) throws Exception {
    Path path = work.resolve(name);
    Files.writeString(path, text);
    return path;
  }

  @Test
  void runReplicatesUntilCtrlCAndThenDropsItsSlot() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    Path script =
        script(
            "run.sql",
            "CREATE MATERIALIZED SOURCE IF NOT EXISTS mz_source FROM POSTGRES\n"
                + "  HOST 'host=127.0.0.1 port="
                + server.port()
                + " user=postgres dbname=app'\n"
                + "  PUBLICATION 'mz_source';\n"
                + "CREATE VIEWS FROM SOURCE mz_source;\n");
    // Flink's configuration from FLINK_CONF_DIR, with the Prometheus reporter of
    // flink-conf/config.yaml enabled.
    int metricsPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      metricsPort = socket.getLocalPort();
    }
    Path flinkConf = Files.createDirectories(work.resolve("flink-conf"));
    Files.writeString(
        flinkConf.resolve("config.yaml"),
        "metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory\n"
            + "metrics.reporter.prom.port: "
            + metricsPort
            + "\n");
    try (JarProcess mzflink =
            JarProcess.start(
                work,
                Map.of("FLINK_CONF_DIR", flinkConf.toString()),
                "run",
                script.toString(),
                "--results-url",
                server.jdbcUrl("results"),
                "--checkpoint-interval",
                "500ms");
        Connection app = server.connect("app");
        Connection results = server.connect("results")) {
      Await.until(
          "the job to start",
          Duration.ofSeconds(90),
          () -> mzflink.stdout().contains("Started Flink job"));
      Sql.execute(
          app,
          "UPDATE t SET v = 'changed' WHERE id <= 10",
          "DELETE FROM t WHERE id > 90",
          "INSERT INTO t VALUES (1000, NULL)");
      Tables.awaitEqual(app, results, List.of("\"public\".\"t\""), Duration.ofSeconds(60));
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots"))
          .containsExactly("materialize_mz_source");
      // mzflink's metrics per table and Flink CDC's, through the configured reporter (which
      // replaces the quotes and dots of the table's name by underscores).
      Sql.execute(app, "UPDATE t SET v = 'metered' WHERE id = 1");
      AtomicReference<String> metrics = new AtomicReference<>("");
      try {
        Await.until(
            "the table's metrics to be reported",
            Duration.ofSeconds(30),
            () -> {
              metrics.set(
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body());
              return Pattern.compile(
                          "mzflink_table_changes\\{[^}]*mzflink_table=\"_public___t_\"[^}]*\\} [1-9]")
                      .matcher(metrics.get())
                      .find()
                  && metrics.get().contains("mzflink_table_lagMillis")
                  && metrics.get().contains("currentEmitEventTimeLag");
            });
      } catch (AssertionError e) {
        throw new AssertionError(
            e.getMessage()
                + "; mzflink's metrics: "
                + metrics.get().lines().filter(l -> l.contains("mzflink_table")).toList(),
            e);
      }
      // Not a terminal: progress comes as lines, and the end of the snapshot is reported.
      Await.until(
          "the snapshot to be reported done",
          Duration.ofSeconds(30),
          () -> mzflink.stdout().matches("(?s).*Snapshot done: [0-9,]+ rows of 1 table in .*"));

      // A schema change stops the table; run says so on stderr and keeps running.
      Sql.execute(app, "ALTER TABLE t ADD COLUMN extra int", "UPDATE t SET extra = 1 WHERE id = 1");
      Await.until(
          "run to report the errored table",
          Duration.ofSeconds(30),
          () ->
              mzflink
                  .stderr()
                  .contains(
                      "error: \"public\".\"t\" stopped replicating: table \"public\".\"t\" changed upstream: column(s) \"extra\" added."));
      Sql.execute(app, "ALTER TABLE t DROP COLUMN extra"); // the other tests read t as it was

      mzflink.interrupt();
      assertThat(mzflink.waitFor(60)).as(mzflink.stderr()).isZero();
      assertThat(mzflink.stdout())
          .contains("Stopped; dropped replication slots: materialize_mz_source");
      assertThat(mzflink.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  @Test
  void demoReplicatesTheShopUntilCtrlCAndThenCleansUp() throws Exception {
    try (JarProcess demo = JarProcess.start(work, "demo")) {
      // The shop keeps changing, so each table is compared while it is between two changes.
      for (String table : List.of("customers", "orders", "order_items")) {
        Pattern equal = Pattern.compile("  " + table + " \\d+/\\d+ equal");
        Await.until(
            "the demo to report " + table + " equal",
            Duration.ofSeconds(150),
            () -> equal.matcher(demo.stdout()).find());
      }
      Matcher psql =
          Pattern.compile("psql 'postgresql://postgres@localhost:(\\d+)/results'")
              .matcher(demo.stdout());
      assertThat(psql.find()).as(demo.stdout()).isTrue();
      int port = Integer.parseInt(psql.group(1));
      try (Connection shop =
          DriverManager.getConnection(
              "jdbc:postgresql://localhost:" + port + "/shop?user=postgres")) {
        assertThat(Sql.strings(shop, "SELECT slot_name FROM pg_replication_slots"))
            .containsExactly("materialize_mz_source");
      }

      demo.interrupt();
      assertThat(demo.waitFor(60)).as(demo.stderr()).isZero();
      assertThat(demo.stdout())
          .contains("Dropped replication slots: materialize_mz_source")
          .contains("Done.");
      assertThat(demo.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
      assertThatThrownBy(
              () ->
                  DriverManager.getConnection(
                          "jdbc:postgresql://localhost:" + port + "/shop?user=postgres")
                      .close())
          .as("the embedded PostgreSQL is stopped")
          .isInstanceOf(SQLException.class);
    }
  }

  @Test
  void translatePrintsFlinkSqlWithThePasswordReplaced() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    Path script =
        script(
            "translate.sql",
            "CREATE MATERIALIZED SOURCE mz_source FROM POSTGRES\n"
                + "  HOST 'host=127.0.0.1 port="
                + server.port()
                + " user=repl password=hunter2 dbname=app'\n"
                + "  PUBLICATION 'mz_source';\n"
                + "CREATE VIEWS FROM SOURCE mz_source;\n");
    try (JarProcess mzflink = JarProcess.start(work, "translate", script.toString())) {
      assertThat(mzflink.waitFor(60)).as(mzflink.stderr()).isZero();
      assertThat(mzflink.stdout())
          .contains("CREATE TABLE `public`.`t` (")
          .contains("'connector' = 'postgres-cdc'")
          .contains("'password' = '<secret>'")
          .contains("'slot.name' = 'materialize_mz_source_public_t'")
          .doesNotContain("hunter2");
    }
    try (JarProcess mzflink =
        JarProcess.start(work, "translate", script.toString(), "--show-secrets")) {
      assertThat(mzflink.waitFor(60)).isZero();
      assertThat(mzflink.stdout()).contains("'password' = 'hunter2'");
    }
    // The script's text given inline translates the same (but for the name in the header).
    String fromFile;
    try (JarProcess mzflink = JarProcess.start(work, "translate", script.toString())) {
      assertThat(mzflink.waitFor(60)).isZero();
      fromFile = mzflink.stdout();
    }
    try (JarProcess mzflink = JarProcess.start(work, "translate", "-e", Files.readString(script))) {
      assertThat(mzflink.waitFor(60)).as(mzflink.stderr()).isZero();
      assertThat(mzflink.stdout())
          .isEqualTo(fromFile.replace("from translate.sql.", "from script."));
    }
    try (JarProcess mzflink =
        JarProcess.start(work, "translate", script.toString(), "-e", "SELECT 1")) {
      assertThat(mzflink.waitFor(60)).isEqualTo(1);
      assertThat(mzflink.stderr())
          .contains("give a SCRIPT file or the script's text with -e, not both or neither");
    }
  }

  @Test
  void userErrorsExitWithOneAndPointAtTheStatement() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    Path script =
        script(
            "missing.sql",
            "-- no such publication\n"
                + "CREATE MATERIALIZED SOURCE mz_source FROM POSTGRES\n"
                + "  HOST 'host=127.0.0.1 port="
                + server.port()
                + " user=postgres dbname=app'\n"
                + "  PUBLICATION 'nope';\n");
    try (JarProcess mzflink = JarProcess.start(work, "translate", script.toString())) {
      assertThat(mzflink.waitFor(60)).isEqualTo(1);
      assertThat(mzflink.stderr())
          .isEqualTo(
              "error: line 2:1: publication \"nope\" does not exist\n"
                  + "CREATE MATERIALIZED SOURCE mz_source FROM POSTGRES\n"
                  + "^\n"
                  + "DETAIL: Existing publications: \"mz_source\".\n"
                  + "HINT: Create it upstream: CREATE PUBLICATION \"nope\" FOR ALL TABLES; (or FOR TABLE t1, t2).\n");
    }
    Path syntax = script("syntax.sql", "CREATE MATERIALIZED SOURCE FROM POSTGRES;\n");
    try (JarProcess mzflink =
        JarProcess.start(
            work, "run", syntax.toString(), "--results-url", server.jdbcUrl("results"))) {
      assertThat(mzflink.waitFor(60)).isEqualTo(1);
      assertThat(mzflink.stderr())
          .isEqualTo(
              "error: line 1:28: syntax error at or near \"from\"\n"
                  + "CREATE MATERIALIZED SOURCE FROM POSTGRES;\n"
                  + "                           ^\n"
                  + "DETAIL: Expected source name.\n");
    }
    try (JarProcess mzflink =
        JarProcess.start(work, "translate", work.resolve("absent.sql").toString())) {
      assertThat(mzflink.waitFor(60)).isEqualTo(1);
      assertThat(mzflink.stderr())
          .startsWith("error: script \"")
          .contains("absent.sql\" does not exist");
    }
    Path refused =
        script(
            "refused.sql",
            "CREATE MATERIALIZED SOURCE s FROM POSTGRES HOST 'host=127.0.0.1 port=1 user=postgres dbname=app connect_timeout=2' PUBLICATION 'p';\n");
    try (JarProcess mzflink = JarProcess.start(work, "translate", refused.toString())) {
      assertThat(mzflink.waitFor(60)).isEqualTo(1);
      assertThat(mzflink.stderr())
          .startsWith(
              "error: line 1:1: could not connect to 127.0.0.1:1 (database \"app\", user \"postgres\")")
          .contains("DETAIL: Connection refused")
          .doesNotContain("\tat ");
    }
  }
}
