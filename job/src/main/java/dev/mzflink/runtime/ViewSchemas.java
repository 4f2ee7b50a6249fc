package dev.mzflink.runtime;

import dev.mzflink.translate.FlinkPlan.FlinkColumn;
import dev.mzflink.translate.FlinkPlan.FlinkView;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Checks that Flink computes each view's columns with exactly the types the translator derived:
 * results tables and sinks are declared from those, and a mismatch (a DECIMAL scale Flink chose
 * differently, say) would otherwise be cast silently on the way into the results database.
 */
public final class ViewSchemas {
  private ViewSchemas() {}

  /** Throws {@link IllegalStateException} naming every column whose type differs. */
  public static void verify(TableEnvironment tables, List<FlinkView> views) {
    List<String> problems = new ArrayList<>();
    for (FlinkView view : views) {
      ResolvedSchema schema = tables.from(view.name().quoted()).getResolvedSchema();
      List<Column> actual = schema.getColumns();
      if (actual.size() != view.columns().size()) {
        problems.add(
            view.name().quoted()
                + ": Flink computes "
                + actual.size()
                + " columns, the translator "
                + view.columns().size());
        continue;
      }
      for (int i = 0; i < actual.size(); i++) {
        FlinkColumn expected = view.columns().get(i);
        Column column = actual.get(i);
        LogicalType type = column.getDataType().getLogicalType().copy(true);
        if (!column.getName().equals(expected.name()) || !compatible(expected.type(), type)) {
          problems.add(
              String.format(
                  "%s column %d: the translator expects %s %s, Flink computes %s %s",
                  view.name().quoted(),
                  i + 1,
                  expected.name(),
                  expected.type(),
                  column.getName(),
                  type.asSummaryString()));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "view types differ from the translation:\n" + String.join("\n", problems));
    }
  }

  /**
   * Equal types; a string of any length where STRING is expected (Flink types literals CHAR(n)).
   */
  static boolean compatible(String expected, LogicalType actual) {
    if (expected.equals(actual.asSummaryString())) {
      return true;
    }
    return expected.equals("STRING")
        && (actual.getTypeRoot() == LogicalTypeRoot.CHAR
            || actual.getTypeRoot() == LogicalTypeRoot.VARCHAR);
  }
}
