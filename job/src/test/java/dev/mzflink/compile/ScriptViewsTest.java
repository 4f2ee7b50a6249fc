package dev.mzflink.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptViewsTest {
  private static final String SCRIPT =
      "CREATE SOURCE src FROM POSTGRES HOST 'host=h' PUBLICATION 'p';\n"
          + "CREATE VIEWS FROM SOURCE src;\n"
          + "CREATE VIEW plain AS SELECT a FROM t;\n"
          + "CREATE MATERIALIZED VIEW app.totals AS\n  SELECT a, count(*) FROM plain GROUP BY a;\n"
          + "CREATE MATERIALIZED VIEW last AS SELECT b FROM t;\n";

  @Test
  void findsTheViewAnOffsetIsIn() {
    int inTotals = SCRIPT.indexOf("count(*)");
    assertThat(ScriptViews.viewAt(SCRIPT, inTotals))
        .map(v -> v.name().quoted())
        .contains("\"app\".\"totals\"");
    assertThat(ScriptViews.viewAt(SCRIPT, SCRIPT.indexOf("PUBLICATION"))).isEmpty();
    assertThat(ScriptViews.viewAt(SCRIPT, SCRIPT.length() - 2))
        .map(v -> v.name().quoted())
        .contains("\"last\"");
  }

  @Test
  void findsAMaterializedViewByItsResultsTable() {
    assertThat(ScriptViews.materializedView(SCRIPT, "\"public\".\"last\"")).isPresent();
    assertThat(ScriptViews.materializedView(SCRIPT, "\"app\".\"totals\"")).isPresent();
    // A plain view has no results table.
    assertThat(ScriptViews.materializedView(SCRIPT, "\"public\".\"plain\"")).isEmpty();
  }

  @Test
  void blanksTheViewsLeftOutKeepingEveryOtherStatementInPlace() {
    Statement.CreateView totals =
        ScriptViews.viewAt(SCRIPT, SCRIPT.indexOf("app.totals")).orElseThrow();
    String without = ScriptViews.without(SCRIPT, List.of(totals));
    assertThat(without).hasSameSizeAs(SCRIPT);
    assertThat(without).doesNotContain("totals").doesNotContain("count(*)");
    assertThat(without.indexOf("CREATE MATERIALIZED VIEW last"))
        .isEqualTo(SCRIPT.indexOf("CREATE MATERIALIZED VIEW last"));
    assertThat(without.lines().count()).isEqualTo(SCRIPT.lines().count());
    assertThat(ScriptViews.viewAt(without, without.indexOf("SELECT b")))
        .map(v -> v.name().quoted())
        .contains("\"last\"");
    assertThat(ScriptViews.without(SCRIPT, List.of())).isEqualTo(SCRIPT);
  }
}
