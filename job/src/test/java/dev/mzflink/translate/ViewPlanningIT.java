package dev.mzflink.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.testing.GoldenFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every view of the golden file that translates is accepted by Flink's streaming planner, with
 * exactly the column types the translator derived (what results tables and sinks are declared
 * with), and runs: Flink generates and compiles its operators' code on empty input.
 */
class ViewPlanningIT {
  @Test
  void everyTranslatedViewPlansInFlinkWithTheDerivedTypes() throws Exception {
    List<String> failures = new ArrayList<>();
    int planned = 0;
    for (GoldenFile.Case c : GoldenFile.read(GoldenFile.path("views.txt"))) {
      if (c.expected().startsWith("error:")) {
        continue;
      }
      try {
        FlinkPlan plan =
            ViewTranslatorGoldenTest.translate(ViewTranslatorGoldenTest.PREAMBLE + c.input());
        ViewPlanning.plan(plan);
        ViewPlanning.run(plan);
        planned++;
      } catch (Exception | AssertionError e) {
        Throwable cause = e;
        StringBuilder message = new StringBuilder();
        while (cause != null) {
          message
              .append("\n  ")
              .append(cause.getClass().getSimpleName())
              .append(": ")
              .append(cause.getMessage());
          cause = cause.getCause();
        }
        failures.add("views.txt:" + c.line() + "\n" + c.input() + message);
      }
    }
    assertThat(failures).as("views Flink does not plan as translated").isEmpty();
    assertThat(planned).isGreaterThan(0);
  }
}
