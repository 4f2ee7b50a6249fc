package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.cli.CompiledScript;
import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.demo.ShopSample;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.translate.FlinkSqlRenderer;
import dev.mzflink.translate.TranslateOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every example in sql-scripts/ translates, against its upstream schema (sql-scripts/upstream, one
 * database per schema file) on a real server, to the Flink SQL checked in next to it ({@code
 * name.flink.sql}). Scripts name the
 * server {@code host=127.0.0.1 port=5432}; the test points them at its own server.
 * {@code -Dgolden.rewrite=true} rewrites the Flink SQL files.
 */
class SqlScriptsIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final Path SCRIPTS = Path.of("../sql-scripts");

  @Test
  void everyExampleTranslatesToItsCheckedInFlinkSql() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("shop");
    try (Connection shop = server.connect("shop")) {
      ShopSample.create(shop);
    }
    assertThat(ShopSample.schema()).isEqualTo(Files.readString(SCRIPTS.resolve("upstream/shop.sql")));
    // Every other upstream schema gets a database of its name (upstream/tpch.sql: "tpch").
    List<Path> schemas;
    try (Stream<Path> files = Files.list(SCRIPTS.resolve("upstream"))) {
      schemas = files.filter(p -> p.toString().endsWith(".sql") && !p.getFileName().toString().equals("shop.sql")).sorted().toList();
    }
    for (Path schema : schemas) {
      String database = schema.getFileName().toString().replaceAll("\\.sql$", "");
      server.createDatabase(database);
      try (Connection c = server.connect(database)) {
        Sql.execute(c, Files.readString(schema, StandardCharsets.UTF_8));
      }
    }
    List<Path> scripts;
    try (Stream<Path> files = Files.list(SCRIPTS)) {
      scripts = files.filter(p -> p.toString().endsWith(".sql") && !p.toString().endsWith(".flink.sql")).sorted().toList();
    }
    assertThat(scripts).isNotEmpty();
    List<String> failures = new ArrayList<>();
    for (Path script : scripts) {
      String text = Files.readString(script, StandardCharsets.UTF_8);
      String local = text.replace("port=5432", "port=" + server.port());
      CompiledScript compiled =
          CompiledScript.compile(local, new TranslateOptions("jdbc:postgresql://localhost:5432/results", Optional.empty()));
      String flink =
          FlinkSqlRenderer.file(compiled.flinkPlan(), script.getFileName().toString(), false)
              .replace("'port' = '" + server.port() + "'", "'port' = '5432'");
      Path expected = Path.of(script.toString().replaceAll("\\.sql$", ".flink.sql"));
      if (Boolean.getBoolean("golden.rewrite")) {
        Files.writeString(expected, flink, StandardCharsets.UTF_8);
      } else if (!Files.exists(expected) || !Files.readString(expected).equals(flink)) {
        failures.add(script + " translates differently from " + expected + ":\n" + flink);
      }
    }
    assertThat(failures).as("rewrite with -Dgolden.rewrite=true").isEmpty();
  }
}
