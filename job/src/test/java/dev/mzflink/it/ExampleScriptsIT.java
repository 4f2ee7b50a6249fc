package dev.mzflink.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.demo.ShopSample;
import dev.mzflink.runtime.RunningPipeline;
import dev.mzflink.sql.Parser;
import dev.mzflink.sql.Statement;
import dev.mzflink.sql.StatementPrinter;
import dev.mzflink.testing.Pipelines;
import dev.mzflink.testing.PostgresServerExtension;
import dev.mzflink.testing.Sql;
import dev.mzflink.testing.TpchData;
import dev.mzflink.testing.ViewOracle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The view examples of sql-scripts/ run against their upstream schemas: their materialized views
 * equal PostgreSQL's answers to the same queries after the snapshot and after changes.
 */
class ExampleScriptsIT {
  @RegisterExtension static final PostgresServerExtension POSTGRES = new PostgresServerExtension();

  private static final Path SCRIPTS = Path.of("../sql-scripts");

  @Test
  void shopRevenueViewsEqualPostgresAnswers() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("shop");
    server.createDatabase("shop_results");
    try (Connection shop = server.connect("shop");
        Connection results = server.connect("shop_results")) {
      ShopSample.create(shop);
      String script = script(server, "shop_revenue.sql");
      ViewOracle oracle = new ViewOracle(ViewOracle.definitions(script));
      assertThat(oracle.materializedViews()).hasSize(2);
      oracle.createUpstreamViews(shop);
      try (RunningPipeline pipeline = Pipelines.start(script, server.jdbcUrl("shop_results"), 1)) {
        oracle.awaitEqual(shop, results, Duration.ofSeconds(120), "after the snapshot");
        ShopSample changes = new ShopSample(7);
        for (int i = 0; i < 300; i++) {
          changes.change(shop);
        }
        oracle.awaitEqual(shop, results, Duration.ofSeconds(90), "after 300 transactions");
        assertThat(Sql.longValue(results, "SELECT count(*) FROM customer_revenue")).isPositive();
        assertThat(Sql.longValue(results, "SELECT count(*) FROM monthly_product_sales"))
            .isPositive();
      }
    }
  }

  /** Q1 and Q3 in one pipeline (one source, both scripts' views). */
  @Test
  void tpchQ1AndQ3EqualPostgresAnswers() throws Exception {
    EmbeddedPostgresServer server = POSTGRES.server();
    server.createDatabase("tpch");
    server.createDatabase("tpch_results");
    try (Connection tpch = server.connect("tpch");
        Connection results = server.connect("tpch_results")) {
      Sql.execute(
          tpch, Files.readString(SCRIPTS.resolve("upstream/tpch.sql"), StandardCharsets.UTF_8));
      TpchData data = new TpchData(19);
      data.load(tpch, 300, 2000);
      StringBuilder script = new StringBuilder(script(server, "tpch_q1.sql"));
      for (Statement s : Parser.parse(script(server, "tpch_q3.sql"))) {
        if (s instanceof Statement.CreateView) {
          script.append(StatementPrinter.print(s)).append(";\n");
        }
      }
      ViewOracle oracle = new ViewOracle(ViewOracle.definitions(script.toString()));
      assertThat(oracle.materializedViews()).hasSize(2);
      oracle.createUpstreamViews(tpch);
      try (RunningPipeline pipeline =
          Pipelines.start(script.toString(), server.jdbcUrl("tpch_results"), 1)) {
        oracle.awaitEqual(tpch, results, Duration.ofSeconds(120), "after the snapshot");
        data.change(tpch, 600);
        oracle.awaitEqual(tpch, results, Duration.ofSeconds(90), "after 600 changes");
        assertThat(Sql.longValue(results, "SELECT count(*) FROM pricing_summary")).isPositive();
        assertThat(Sql.longValue(results, "SELECT count(*) FROM shipping_priority"))
            .isGreaterThan(10);
      }
    }
  }

  private static String script(EmbeddedPostgresServer server, String name) throws Exception {
    return Files.readString(SCRIPTS.resolve(name), StandardCharsets.UTF_8)
        .replace("port=5432", "port=" + server.port());
  }
}
