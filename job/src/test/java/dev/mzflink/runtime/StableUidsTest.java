package dev.mzflink.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.sink.ResultsCommitGroup;
import dev.mzflink.testing.FakeUpstream;
import dev.mzflink.translate.FlinkPlan;
import dev.mzflink.translate.SourceReading;
import dev.mzflink.translate.TranslateOptions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * The operators Flink's planner adds for the views keep their uids (so a savepoint's state maps)
 * when the pipeline gains a table or an unrelated view, and get new ones when what they compute
 * changes. Built from a fake upstream: no database is touched.
 */
class StableUidsTest {
  private static final String RESULTS = "jdbc:postgresql://results:5432/results";
  private static final String SOURCE =
      "CREATE MATERIALIZED SOURCE src FROM POSTGRES HOST 'host=127.0.0.1 port=5432 user=postgres"
          + " dbname=app' PUBLICATION 'shop';\n";
  private static final String REVENUE =
      "CREATE MATERIALIZED VIEW revenue AS SELECT item, sum(price) AS s FROM orders GROUP BY item;\n";
  private static final String QUANTITIES =
      "CREATE MATERIALIZED VIEW quantities AS SELECT o.item, sum(i.quantity) AS q FROM orders o"
          + " JOIN items i ON i.order_id = o.id GROUP BY o.item;\n";
  private static final String TWO_TABLES =
      "CREATE VIEWS FROM SOURCE src (\"public\".\"orders\", \"public\".\"items\");\n";

  private static PipelineRunner.Graph graph(String script, String run) {
    FlinkPlan plan =
        ScriptCompiler.compile(
                script,
                new TranslateOptions(RESULTS, Optional.empty()),
                SourceReading.ONE_SLOT_PER_SOURCE,
                FakeUpstream.context())
            .flinkPlan();
    RunOptions options =
        new RunOptions(
            RESULTS, Optional.empty(), Duration.ofSeconds(1), 2, Optional.empty(), "uids");
    return PipelineRunner.graph(
        plan, options, FlinkEnvironment.configuration(options, Optional.empty()), run);
  }

  private static Map<String, Set<String>> reads(String script) {
    return graph(script, "r1").reads();
  }

  private static String writer(String table) {
    return ResultsCommitGroup.writerUid("\"public\".\"" + table + "\"");
  }

  @Test
  void everyOperatorHasAUidThatDoesNotDependOnTheRun() {
    StreamGraph first = graph(SOURCE + TWO_TABLES + REVENUE + QUANTITIES, "r1").graph();
    StreamGraph second = graph(SOURCE + TWO_TABLES + REVENUE + QUANTITIES, "r2").graph();
    Map<String, String> uids = new TreeMap<>();
    for (StreamNode node : first.getStreamNodes()) {
      assertThat(node.getTransformationUID()).as(node.getOperatorName()).isNotNull();
      uids.put(node.getTransformationUID(), node.getOperatorName());
    }
    assertThat(uids).hasSize(first.getStreamNodes().size());
    assertThat(second.getStreamNodes())
        .extracting(StreamNode::getTransformationUID)
        .containsExactlyInAnyOrderElementsOf(uids.keySet());
    assertThat(uids.values()).anyMatch(name -> name.startsWith("GroupAggregate"));
    assertThat(uids.values()).anyMatch(name -> name.startsWith("Join"));
  }

  @Test
  void viewsKeepTheirOperatorsWhenATableOrAnotherViewIsAdded() {
    Map<String, Set<String>> before = reads(SOURCE + TWO_TABLES + REVENUE + QUANTITIES);
    assertThat(before.get(writer("revenue"))).hasSizeGreaterThanOrEqualTo(2);
    assertThat(before.get(writer("quantities"))).hasSizeGreaterThanOrEqualTo(4);

    // customers sorts before items and orders: the router's numbering of the tables moves.
    Map<String, Set<String>> moreTables =
        reads(SOURCE + "CREATE VIEWS FROM SOURCE src;\n" + REVENUE + QUANTITIES);
    assertThat(moreTables).containsKey(writer("customers"));
    for (String table : new String[] {"revenue", "quantities", "orders", "items"}) {
      assertThat(moreTables.get(writer(table))).as(table).isEqualTo(before.get(writer(table)));
    }

    Map<String, Set<String>> moreViews =
        reads(
            SOURCE
                + TWO_TABLES
                + "CREATE MATERIALIZED VIEW big AS SELECT id, price FROM orders WHERE price > 100;\n"
                + REVENUE
                + QUANTITIES);
    assertThat(moreViews).containsKey(writer("big"));
    assertThat(moreViews.get(writer("revenue"))).isEqualTo(before.get(writer("revenue")));
    assertThat(moreViews.get(writer("quantities"))).isEqualTo(before.get(writer("quantities")));
  }

  @Test
  void viewsKeepTheirOperatorsWhenAnotherViewReadsMoreColumnsOfTheirTable() {
    // Not materialized: each table is read only in the columns the views name.
    String source = SOURCE.replace("MATERIALIZED SOURCE", "SOURCE");
    Map<String, Set<String>> before = reads(source + TWO_TABLES + REVENUE + QUANTITIES);
    Map<String, Set<String>> after =
        reads(
            source
                + TWO_TABLES
                + REVENUE
                + QUANTITIES
                + "CREATE MATERIALIZED VIEW stamps AS SELECT id, ordered_at FROM orders;\n");
    assertThat(after.get(writer("revenue"))).isEqualTo(before.get(writer("revenue")));
    assertThat(after.get(writer("quantities"))).isEqualTo(before.get(writer("quantities")));
  }

  @Test
  void aViewComputedOtherwiseGetsNewOperators() {
    Map<String, Set<String>> before = reads(SOURCE + TWO_TABLES + REVENUE + QUANTITIES);
    Map<String, Set<String>> after =
        reads(
            SOURCE
                + TWO_TABLES
                + REVENUE.replace("sum(price)", "max(price)")
                + QUANTITIES.replace(
                    "JOIN items i ON i.order_id = o.id",
                    "JOIN items i ON i.order_id = o.customer_id"));
    assertThat(after.get(writer("revenue"))).isNotEqualTo(before.get(writer("revenue")));

    assertThat(after.get(writer("quantities"))).isNotEqualTo(before.get(writer("quantities")));
    // What both read unchanged (the scan of orders and its projection) keeps its uids.
    Map<String, Set<String>> filtered =
        reads(
            SOURCE
                + TWO_TABLES
                + REVENUE.replace("GROUP BY item", "WHERE price > 0 GROUP BY item")
                + QUANTITIES);
    assertThat(filtered.get(writer("revenue"))).isNotEqualTo(before.get(writer("revenue")));
    assertThat(filtered.get(writer("quantities"))).isEqualTo(before.get(writer("quantities")));
  }
}
