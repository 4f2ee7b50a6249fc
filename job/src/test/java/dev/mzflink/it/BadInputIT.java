package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.mzflink.cli.Main;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.testing.CommandLines;
import dev.mzflink.testing.CommandLines.Outcome;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and careless input (issue 18): names, conninfo strings, flags, scripts and server states
 * that must each end the command with exit 1 and ONE message that names what is wrong, never a
 * stack trace or an internal error, and leave the upstream database exactly as it was (no slot, no
 * table, no row, no publication changed). The commands run in this JVM through the real command
 * line ({@link Main#commandLine()}) against a real PostgreSQL.
 */
class BadInputIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @TempDir static Path work;

  private static EmbeddedPostgresServer server;
  private static String host;
  private static String results;

  /** One input: the command line, and a text the single error message must contain. */
  private record Case(String name, String expected, String... args) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void upstream() throws Exception {
    server = POSTGRES.server();
    server.createDatabase("shop");
    server.createDatabase("shop_results");
    try (Connection app = server.connect("shop")) {
      Sql.execute(
          app,
          "CREATE TABLE orders (id int PRIMARY KEY, item text, price numeric(10,2))",
          "CREATE TABLE items (id int PRIMARY KEY, name text)",
          "CREATE TABLE shapes (id int PRIMARY KEY, spot point)",
          "INSERT INTO orders SELECT g, 'item' || (g % 7), g FROM generate_series(1, 100) g",
          "INSERT INTO items SELECT g, 'item' || g FROM generate_series(0, 6) g",
          "CREATE PUBLICATION p FOR TABLE orders, items",
          "CREATE PUBLICATION empty_pub",
          "CREATE PUBLICATION odd FOR TABLE orders, shapes",
          "CREATE TABLE \"odd,name\" (id int PRIMARY KEY)",
          "CREATE PUBLICATION comma FOR TABLE \"odd,name\"");
    }
    host = server.conninfo("shop");
    results = server.jdbcUrl("shop_results");
  }

  @AfterAll
  static void noSlotsLeft() throws Exception {
    try (Connection app = server.connect("shop")) {
      assertThat(Sql.strings(app, "SELECT slot_name FROM pg_replication_slots")).isEmpty();
    }
  }

  private static String source(String hostConninfo, String publication) {
    return "CREATE SOURCE s FROM POSTGRES HOST '"
        + hostConninfo
        + "' PUBLICATION '"
        + publication
        + "';\n";
  }

  private static String good() {
    return source(host, "p");
  }

  private static Case check(String name, String expected, String script) {
    return new Case(name, expected, "check", "-e", script);
  }

  private static Case translate(String name, String expected, String script) {
    return new Case(name, expected, "translate", "-e", script, "--results-url", results);
  }

  private static Case run(String name, String expected, String... more) {
    List<String> args =
        new ArrayList<>(List.of("run", "-e", good() + "CREATE VIEWS FROM SOURCE s;"));
    args.addAll(List.of(more));
    return new Case(name, expected, args.toArray(new String[0]));
  }

  private static List<Case> cases() throws Exception {
    Path directory = Files.createDirectories(work.resolve("a-directory.sql"));
    String deep = "(".repeat(20_000) + "1" + ")".repeat(20_000);
    return List.of(
        // Scripts.
        check(
            "a statement Materialize 0.8 has but mzflink does not",
            "SINK",
            good()
                + "CREATE SINK k FROM s INTO KAFKA BROKER 'x' TOPIC 't' FORMAT AVRO USING CONFLUENT SCHEMA REGISTRY 'y';"),
        check("a statement cut short", "line 1", "CREATE SOURCE"),
        check("an unterminated string", "line 1", "CREATE SOURCE s FROM POSTGRES HOST 'host=x"),
        check("an unterminated quoted name", "line 1", "CREATE SOURCE \"s FROM POSTGRES"),
        check("a NUL character", "line 1", "CREATE SOURCE s\u0000 FROM POSTGRES"),
        check("views of an unknown source", "nosuch", good() + "CREATE VIEWS FROM SOURCE nosuch;"),
        check("a source created twice", "\"s\"", good() + good()),
        check(
            "a table not in the publication",
            "missing",
            good() + "CREATE VIEWS FROM SOURCE s (\"public\".\"missing\");"),
        check(
            "a table name with a line break and a quote",
            "not in publication",
            good() + "CREATE VIEWS FROM SOURCE s (\"public\".\"a\nb\"\"c\");"),
        check(
            "two tables on one name",
            "x",
            good()
                + "CREATE VIEWS FROM SOURCE s (\"public\".\"orders\" AS x, \"public\".\"items\" AS x);"),
        check(
            "a view of an unknown column",
            "nosuchcolumn",
            good()
                + "CREATE VIEWS FROM SOURCE s;\nCREATE MATERIALIZED VIEW v AS SELECT nosuchcolumn FROM orders;"),
        check(
            "a view of an unknown table",
            "nosuchtable",
            good()
                + "CREATE VIEWS FROM SOURCE s;\nCREATE MATERIALIZED VIEW v AS SELECT 1 FROM nosuchtable;"),
        check(
            "an unknown function",
            "frobnicate",
            good()
                + "CREATE VIEWS FROM SOURCE s;\nCREATE MATERIALIZED VIEW v AS SELECT frobnicate(id) FROM orders;"),
        check(
            "a view nested 20,000 deep",
            "nests too deeply",
            good()
                + "CREATE VIEWS FROM SOURCE s;\nCREATE MATERIALIZED VIEW v AS SELECT "
                + deep
                + ";"),
        check("dropping an unknown source", "nosuch", "DROP SOURCE nosuch;"),
        check("the reserved schema", "mzflink", "CREATE SCHEMA mzflink;"),
        check(
            "a view in the reserved schema",
            "mzflink",
            good()
                + "CREATE VIEWS FROM SOURCE s;\nCREATE MATERIALIZED VIEW mzflink.sink_progress AS SELECT id FROM orders;"),
        // Conninfo strings.
        check("an unknown conninfo key", "frobnicate", source(host + " frobnicate=1", "p")),
        check("a port that is not a number", "abc", source("host=127.0.0.1 port=abc", "p")),
        check("a port out of range", "70000", source("host=127.0.0.1 port=70000", "p")),
        check("an unterminated conninfo quote", "'", source("host=''db", "p")),
        check("a malformed URI", "postgresql://", source("postgresql://[::1", "p")),
        check("an unknown sslmode", "bogus", source(host + " sslmode=bogus", "p")),
        check(
            "a database that does not exist",
            "nosuchdb",
            source(host.replace("dbname=shop", "dbname=nosuchdb"), "p")),
        check(
            "a role that does not exist",
            "nobody_here",
            source(host.replaceAll("user=\\S+", "user=nobody_here"), "p")),
        check("nothing listening", "127.0.0.1", source("host=127.0.0.1 port=1 dbname=x", "p")),
        check(
            "a host name that does not resolve",
            "no-such-host.invalid",
            source("host=no-such-host.invalid dbname=x", "p")),
        // Server states.
        check("a publication that does not exist", "nope", source(host, "nope")),
        check("a publication name with a quote", "pe", source(host, "no''pe")),
        check("an empty publication", "empty_pub", source(host, "empty_pub")),
        check("an unsupported column type", "point", source(host, "odd")),
        // Flags.
        new Case("an unknown command", "frobnicate", "frobnicate"),
        new Case("an unknown flag", "--frobnicate", "check", "-e", good(), "--frobnicate"),
        new Case("run without --results-url", "--results-url", "run", "-e", good()),
        new Case(
            "a missing script file", "nosuch.sql", "check", work.resolve("nosuch.sql").toString()),
        new Case("a directory as the script", "a-directory.sql", "check", directory.toString()),
        run("parallelism 0", "--parallelism", "--results-url", results, "--parallelism", "0"),
        run(
            "parallelism not a number",
            "--parallelism",
            "--results-url",
            results,
            "--parallelism",
            "abc"),
        run(
            "a results URL that is not JDBC",
            "postgres://",
            "--results-url",
            "postgres://127.0.0.1/x"),
        run(
            "a results URL of another database kind",
            "jdbc:mysql",
            "--results-url",
            "jdbc:mysql://127.0.0.1/x"),
        run(
            "the upstream database as the results database",
            "upstream",
            "--results-url",
            server.jdbcUrl("shop")),
        run(
            "a savepoint that does not exist",
            "nosuch-savepoint",
            "--results-url",
            results,
            "--from-savepoint",
            work.resolve("nosuch-savepoint").toString()),
        run(
            "a slot suffix with capitals and a dash",
            "--slot-suffix",
            "--results-url",
            results,
            "--slot-suffix",
            "Bad-Suffix"),
        run(
            "a slot suffix with a double underscore",
            "--slot-suffix",
            "--results-url",
            results,
            "--slot-suffix",
            "a__b"),
        run(
            "a checkpoint interval of 10 ms",
            "--checkpoint-interval",
            "--results-url",
            results,
            "--checkpoint-interval",
            "10ms"),
        new Case(
            "translate into a directory that does not exist",
            "no-such-dir",
            "translate",
            "-e",
            good() + "CREATE VIEWS FROM SOURCE s;",
            "--results-url",
            results,
            "-o",
            work.resolve("no-such-dir/out.sql").toString()),
        new Case("slots without --host", "--host", "slots", "list"),
        new Case(
            "slots drop --inactive without a results database",
            "--results-url",
            "slots",
            "drop",
            "--host",
            host,
            "--inactive"),
        translate(
            "a table name with a comma on the per-table path",
            "odd,name",
            source(host, "comma") + "CREATE VIEWS FROM SOURCE s;"));
  }

  /** What must not change upstream: slots, publications, tables and their rows. */
  private static List<String> upstreamState() throws Exception {
    try (Connection app = server.connect("shop")) {
      List<String> state = new ArrayList<>();
      state.addAll(Sql.strings(app, "SELECT 'slot ' || slot_name FROM pg_replication_slots"));
      state.addAll(
          Sql.strings(
              app,
              "SELECT 'publication ' || pubname || ' ' || coalesce(string_agg(schemaname || '.' || tablename, ',' ORDER BY 1), '')"
                  + " FROM pg_publication p LEFT JOIN pg_publication_tables t USING (pubname) GROUP BY pubname ORDER BY 1"));
      state.addAll(
          Sql.strings(
              app,
              "SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text FROM pg_class c"
                  + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1"));
      for (String table : List.of("orders", "items", "shapes", "\"odd,name\"")) {
        state.addAll(
            Sql.strings(
                app,
                "SELECT '"
                    + table
                    + " ' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM "
                    + table
                    + " t"));
      }
      return state;
    }
  }

  @Test
  void everyHostileInputIsOneClearErrorAndChangesNothingUpstream() throws Exception {
    List<Case> cases = cases();
    List<String> before = upstreamState();
    List<String> failures = new ArrayList<>();
    int traces = 0;
    for (Case c : cases) {
      Outcome outcome =
          assertTimeoutPreemptively(
              Duration.ofSeconds(60),
              () -> CommandLines.run(c.args()),
              () -> c.name() + " did not end within 60 s");
      int code = outcome.code();
      String stderr = outcome.err();
      long errors = stderr.lines().filter(l -> l.startsWith("error: ")).count();
      boolean trace = stderr.contains("\tat ") || stderr.contains("Exception");
      if (trace) {
        traces++;
      }
      if (code != 1
          || errors != 1
          || trace
          || stderr.contains("internal error")
          || !stderr.contains(c.expected())) {
        failures.add(
            c.name()
                + " "
                + Arrays.toString(
                    Stream.of(c.args())
                        .map(a -> a.length() > 200 ? a.substring(0, 200) + "…" : a)
                        .toArray())
                + "\n  exit "
                + code
                + ", "
                + errors
                + " error lines, expected to contain: "
                + c.expected()
                + "\n  stdout: "
                + outcome.out()
                + "\n  stderr: "
                + (stderr.length() > 2000 ? stderr.substring(0, 2000) + "…" : stderr));
      }
    }
    System.out.printf(
        "BadInputIT: %d hostile inputs, %d failed, %d stack traces%n",
        cases.size(), failures.size(), traces);
    assertThat(cases).hasSizeGreaterThanOrEqualTo(40);
    assertThat(failures).as("inputs not answered with exit 1 and one clear message").isEmpty();
    assertThat(upstreamState()).as("the upstream database after every input").isEqualTo(before);
  }
}
