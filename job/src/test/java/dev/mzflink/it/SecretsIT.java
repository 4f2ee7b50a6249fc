package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.testing.Await;
import dev.mzflink.testing.JarProcess;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.Tables;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No secret in anything mzflink shows (issue 18 item 3): the upstream password from a HOST
 * connection string, another from a password file, and the results password from --results-url are
 * each unique strings, and after a run of the real jar none of them is in any log file, on standard
 * output or error, in mzflink's tables of the results database, or in anything the run's Flink REST
 * API serves (job, configuration, plan, vertices, exceptions, JobManager configuration and
 * environment). Once through the own source, once through Flink CDC's postgres-cdc tables
 * (--per-table-slots), whose connector logs its configuration with the password at INFO. The server
 * asks every role but postgres for its password.
 */
class SecretsIT {
  @TempDir static Path work;

  private static final String UPSTREAM = "hunter2-up-" + UUID.randomUUID();
  private static final String FROM_FILE = "hunter2-file-" + UUID.randomUUID();
  private static final String RESULTS = "hunter2-res-" + UUID.randomUUID();
  private static final List<String> SECRETS = List.of(UPSTREAM, FROM_FILE, RESULTS);

  private static EmbeddedPostgresServer server;
  private static Path passfile;

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
            "host all all 127.0.0.1/32 scram-sha-256",
            "host all all ::1/128 scram-sha-256",
            "host replication all 127.0.0.1/32 scram-sha-256",
            "host replication all ::1/128 scram-sha-256",
            ""));
    server = EmbeddedPostgresServer.start(Map.of("hba_file", hba.toString()));
    server.createDatabase("app");
    server.createDatabase("results");
    server.createDatabase("results2");
    try (Connection app = server.connect("app")) {
      Sql.execute(
          app,
          "CREATE ROLE repl LOGIN REPLICATION SUPERUSER PASSWORD '" + UPSTREAM + "'",
          "CREATE ROLE repl2 LOGIN REPLICATION SUPERUSER PASSWORD '" + FROM_FILE + "'",
          "CREATE ROLE res LOGIN SUPERUSER PASSWORD '" + RESULTS + "'",
          "CREATE TABLE t (id int PRIMARY KEY, v text)",
          "ALTER TABLE t REPLICA IDENTITY FULL",
          "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 50) g",
          // A comma in a table name: read through the source's one slot.
          "CREATE TABLE \"odd,name\" (id int PRIMARY KEY, v text)",
          "ALTER TABLE \"odd,name\" REPLICA IDENTITY FULL",
          "INSERT INTO \"odd,name\" SELECT g, 'w' || g FROM generate_series(1, 20) g",
          "CREATE TABLE t2 (id int PRIMARY KEY, v text)",
          "ALTER TABLE t2 REPLICA IDENTITY FULL",
          "INSERT INTO t2 SELECT g, 'x' || g FROM generate_series(1, 30) g",
          "CREATE PUBLICATION p1 FOR TABLE t, \"odd,name\"",
          "CREATE PUBLICATION p2 FOR TABLE t2");
    }
    passfile = work.resolve("pgpass");
    Files.writeString(passfile, "127.0.0.1:" + server.port() + ":app:repl2:" + FROM_FILE + "\n");
    Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      try (Connection app = server.connect("app")) {
        for (String slot :
            Sql.strings(
                app,
                "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'materialize%'")) {
          Sql.execute(app, "SELECT pg_drop_replication_slot('" + slot + "')");
        }
      } finally {
        server.close();
      }
    }
  }

  private static String script(String tablesOfFirstSource) {
    return "CREATE MATERIALIZED SOURCE s FROM POSTGRES\n"
        + "  HOST 'host=127.0.0.1 port="
        + server.port()
        + " user=repl password="
        + UPSTREAM
        + " dbname=app'\n"
        + "  PUBLICATION 'p1';\n"
        + "CREATE VIEWS FROM SOURCE s"
        + tablesOfFirstSource
        + ";\n"
        + "CREATE MATERIALIZED SOURCE s2 FROM POSTGRES\n"
        + "  HOST 'host=127.0.0.1 port="
        + server.port()
        + " user=repl2 dbname=app passfile="
        + passfile
        + "'\n"
        + "  PUBLICATION 'p2';\n"
        + "CREATE VIEWS FROM SOURCE s2;\n";
  }

  private static String resultsUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:"
        + server.port()
        + "/"
        + database
        + "?user=res&password="
        + RESULTS;
  }

  @Test
  void aRunThroughTheOwnSourceShowsNoSecret() throws Exception {
    Path dir = Files.createDirectories(work.resolve("own"));
    runAndCheck(dir, script(""), "results", List.of("\"public\".\"t\"", "\"public\".\"odd,name\""));
  }

  @Test
  void aRunThroughFlinkCdcShowsNoSecret() throws Exception {
    Path dir = Files.createDirectories(work.resolve("cdc"));
    runAndCheck(
        dir,
        script(" (\"t\")"),
        "results2",
        List.of("\"public\".\"t\""),
        "--per-table-slots",
        "--slot-suffix",
        "cdc");
  }

  @Test
  void anErrorAtTheHostStringOfAOneLineScriptHidesItsPassword() throws Exception {
    String line =
        "CREATE MATERIALIZED SOURCE s FROM POSTGRES HOST 'host=127.0.0.1 user=repl password="
            + UPSTREAM
            + " sslmode=bogus dbname=app' PUBLICATION 'p1'; CREATE VIEWS FROM SOURCE s;";
    JarProcess mzflink =
        JarProcess.start(work, "run", "-e", line, "--results-url", resultsUrl("results"));
    assertThat(mzflink.waitFor(60)).as(mzflink.stderr()).isEqualTo(1);
    String err = mzflink.stderr();
    assertThat(err)
        .contains("sslmode")
        .contains("password=<secret> sslmode=bogus")
        .doesNotContain(UPSTREAM)
        .doesNotContain(RESULTS)
        .doesNotContain("Exception");
    // The caret still points at the HOST string.
    List<String> lines = err.lines().toList();
    int shownAt =
        lines.indexOf(lines.stream().filter(l -> l.startsWith("CREATE")).findFirst().get());
    assertThat(lines.get(shownAt).substring(lines.get(shownAt + 1).indexOf('^')))
        .startsWith("'host=127.0.0.1");
  }

  @Test
  void translateWritesTheFileWithSecretsReadableByItsOwnerOnly() throws Exception {
    Path dir = Files.createDirectories(work.resolve("translate"));
    Path scriptFile = dir.resolve("script.sql");
    Files.writeString(scriptFile, script(" (\"t\")"));
    Path out = dir.resolve("script.flink.sql");
    // An existing readable file too: made private before the secrets go in.
    Files.writeString(out, "old");
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-r--r--"));
    JarProcess translate =
        JarProcess.start(
            dir,
            "translate",
            scriptFile.toString(),
            "--results-url",
            resultsUrl("results"),
            "--show-secrets",
            "-o",
            out.toString());
    assertThat(translate.waitFor(60)).as(translate.stderr()).isZero();
    assertThat(Files.readString(out)).contains(UPSTREAM).contains(RESULTS);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out)))
        .isEqualTo("rw-------");
    assertThat(translate.stdout() + translate.stderr())
        .doesNotContain(UPSTREAM)
        .doesNotContain(RESULTS);
  }

  private static void runAndCheck(
      Path dir, String text, String results, List<String> tables, String... extra)
      throws Exception {
    Path scriptFile = dir.resolve("script.sql");
    Files.writeString(scriptFile, text);
    int restPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      restPort = socket.getLocalPort();
    }
    Path flinkConf = Files.createDirectories(dir.resolve("flink-conf"));
    Files.writeString(
        flinkConf.resolve("config.yaml"),
        "rest.port: " + restPort + "\nrest.bind-port: " + restPort + "\n");
    List<String> args =
        new ArrayList<>(
            List.of(
                "run",
                scriptFile.toString(),
                "--results-url",
                resultsUrl(results),
                "--checkpoint-interval",
                "500ms"));
    args.addAll(List.of(extra));
    boolean flinkCdc = args.contains("--per-table-slots");
    List<String> shown = new ArrayList<>();
    try (JarProcess mzflink =
            JarProcess.start(
                dir, Map.of("FLINK_CONF_DIR", flinkConf.toString()), args.toArray(String[]::new));
        Connection app = server.connect("app");
        Connection resultsDb = server.connect(results)) {
      Await.until(
          "the job to start",
          Duration.ofSeconds(120),
          () -> mzflink.stdout().contains("Started Flink job") || !mzflink.isAlive());
      assertThat(mzflink.isAlive()).as(mzflink.stdout() + mzflink.stderr()).isTrue();
      Sql.execute(
          app,
          "UPDATE t SET v = v || '+' WHERE id <= 5",
          "UPDATE t2 SET v = v || '+' WHERE id = 1");
      List<String> all = new ArrayList<>(tables);
      all.add("\"public\".\"t2\"");
      Tables.awaitEqual(app, resultsDb, all, Duration.ofSeconds(90));

      // Everything the job's REST API serves.
      String rest = "http://127.0.0.1:" + restPort;
      String overview = get(rest + "/jobs/overview");
      Matcher job = Pattern.compile("\"jid\":\"([0-9a-f]{32})\"").matcher(overview);
      assertThat(job.find()).as(overview).isTrue();
      String jobUrl = rest + "/jobs/" + job.group(1);
      shown.add(overview);
      String details = get(jobUrl);
      shown.add(details);
      for (String path :
          List.of(
              "/config",
              "/plan",
              "/exceptions",
              "/checkpoints/config",
              "/jobmanager/config",
              "/jobmanager/environment")) {
        shown.add(get(jobUrl + path));
      }
      Matcher vertex = Pattern.compile("\"id\":\"([0-9a-f]{32})\"").matcher(details);
      while (vertex.find()) {
        shown.add(get(jobUrl + "/vertices/" + vertex.group(1)));
      }
      shown.add(get(rest + "/jobmanager/config"));
      shown.add(get(rest + "/jobmanager/environment"));
      shown.add(get(rest + "/taskmanagers"));

      // mzflink's own tables in the results database: statuses, health, progress.
      for (String table :
          Sql.strings(
              resultsDb,
              "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables"
                  + " WHERE table_schema = 'mzflink'")) {
        shown.addAll(Sql.strings(resultsDb, "SELECT t::text FROM " + table + " t"));
      }
      if (!flinkCdc) {
        // The status table is the own source's.
        assertThat(
                Sql.longValue(
                    resultsDb,
                    "SELECT count(*) FROM mzflink.mz_source_statuses WHERE source <> ''"))
            .isPositive();
      }

      mzflink.interrupt();
      assertThat(mzflink.waitFor(90)).as(mzflink.stderr()).isZero();
      shown.add(mzflink.stdout());
      shown.add(mzflink.stderr());

      // Every log file, which only this user may read.
      Path logs = dir.resolve("log");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(logs)))
          .isEqualTo("rwx------");
      List<Path> files;
      try (Stream<Path> walk = Files.walk(logs)) {
        files = walk.filter(Files::isRegularFile).toList();
      }
      assertThat(files).isNotEmpty();
      for (Path file : files) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
            .as(file.toString())
            .isEqualTo("rw-------");
        String log = Files.readString(file);
        // The log is the run's: it saw the job and the connections.
        assertThat(log).as(file.toString()).contains("Executing Flink SQL");
        shown.add(log);
      }
      if (flinkCdc) {
        // Flink CDC logged its connector configuration, password and all: hidden on its way.
        assertThat(String.join("\n", shown)).contains("database.password=<secret>");
      }
    }
    for (String text2 : shown) {
      for (String secret : SECRETS) {
        if (text2.contains(secret)) {
          int at = text2.indexOf(secret);
          throw new AssertionError(
              "secret shown: ..."
                  + text2.substring(Math.max(0, at - 300), Math.min(text2.length(), at + 100))
                  + "...");
        }
      }
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    return url + " " + response.statusCode() + " " + response.body();
  }
}
