package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.compile.Compilation;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.demo.ShopSample;
import dev.mzflink.plan.ShowOutput;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Scripts;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.TestSsl;
import dev.mzflink.translate.FlinkSqlRenderer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every example in sql-scripts/ translates, against its upstream schema (sql-scripts/upstream, one
 * database per schema file) on a real server, to the Flink SQL checked in next to it ({@code
 * name.flink.sql}); what the script prints besides (notices, SHOW output) is checked in as {@code
 * name.out}. Scripts name the server {@code host=127.0.0.1 port=5432}; the test points them at its
 * own server. The examples of Materialize's documentation name {@code host=postgres port=5432 ...
 * sslmode=require dbname=postgres}: they run against a second server with SSL on, whose database
 * "postgres" holds upstream/postgres.sql. {@code -Dgolden.rewrite=true} rewrites the files.
 */
class SqlScriptsIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  @RegisterExtension
  static final PostgresServerExtension SSL_POSTGRES =
      new PostgresServerExtension(TestSsl.serverSettings());

  /** How the documentation's examples name their server. */
  private static final String DOCUMENTATION_HOST = "host=postgres ";

  private static final Path SCRIPTS = Path.of("../sql-scripts");

  @Test
  void everyExampleTranslatesToItsCheckedInFlinkSql() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("shop");
    try (Connection shop = server.connect("shop")) {
      ShopSample.create(shop);
    }
    assertThat(ShopSample.schema())
        .isEqualTo(Files.readString(SCRIPTS.resolve("upstream/shop.sql")));
    // Every other upstream schema gets a database of its name (upstream/tpch.sql: "tpch").
    List<Path> schemas;
    try (Stream<Path> files = Files.list(SCRIPTS.resolve("upstream"))) {
      schemas =
          files
              .filter(
                  p ->
                      p.toString().endsWith(".sql")
                          && !p.getFileName().toString().equals("shop.sql"))
              .sorted()
              .toList();
    }
    for (Path schema : schemas) {
      String database = schema.getFileName().toString().replaceAll("\\.sql$", "");
      EmbeddedPostgresServer on = server;
      if (database.equals("postgres")) {
        on = SSL_POSTGRES.server();
      } else {
        server.createDatabase(database);
      }
      try (Connection c = on.connect(database)) {
        Sql.execute(c, Files.readString(schema, StandardCharsets.UTF_8));
      }
    }
    List<Path> scripts;
    try (Stream<Path> files = Files.list(SCRIPTS)) {
      scripts =
          files
              .filter(p -> p.toString().endsWith(".sql") && !p.toString().endsWith(".flink.sql"))
              .sorted()
              .toList();
    }
    assertThat(scripts).isNotEmpty();
    List<String> failures = new ArrayList<>();
    for (Path script : scripts) {
      String text = Files.readString(script, StandardCharsets.UTF_8);
      boolean documentation = text.contains(DOCUMENTATION_HOST);
      EmbeddedPostgresServer on = documentation ? SSL_POSTGRES.server() : server;
      String local =
          text.replace("port=5432", "port=" + on.port())
              .replace(DOCUMENTATION_HOST, "host=127.0.0.1 ");
      Compilation compiled = Scripts.compile(local, "jdbc:postgresql://localhost:5432/results");
      String flink =
          FlinkSqlRenderer.file(compiled.flinkPlan(), script.getFileName().toString(), false)
              .replace("'port' = '" + on.port() + "'", "'port' = '5432'");
      if (documentation) {
        flink = flink.replace("'hostname' = '127.0.0.1'", "'hostname' = 'postgres'");
      }
      StringBuilder printed = new StringBuilder();
      compiled.plan().notices().forEach(n -> printed.append("NOTICE: ").append(n).append('\n'));
      for (ShowOutput show : compiled.plan().outputs()) {
        printed.append("-- ").append(show.statement()).append('\n').append(show.render());
      }
      compare(
          script, Path.of(script.toString().replaceAll("\\.sql$", ".flink.sql")), flink, failures);
      Path out = Path.of(script.toString().replaceAll("\\.sql$", ".out"));
      if (printed.length() > 0 || Files.exists(out)) {
        compare(script, out, printed.toString(), failures);
      }
    }
    assertThat(failures).as("rewrite with -Dgolden.rewrite=true").isEmpty();
  }

  private static void compare(Path script, Path expected, String actual, List<String> failures)
      throws Exception {
    if (Boolean.getBoolean("golden.rewrite")) {
      Files.writeString(expected, actual, StandardCharsets.UTF_8);
    } else if (!Files.exists(expected) || !Files.readString(expected).equals(actual)) {
      failures.add(script + " differs from " + expected + ":\n" + actual);
    }
  }
}
