package dev.mzflink.translate;

import dev.mzflink.Redaction;
import dev.mzflink.catalog.BoundQuery.OutputColumn;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.translate.FlinkPlan.FlinkColumn;
import dev.mzflink.translate.FlinkPlan.FlinkName;
import dev.mzflink.translate.FlinkPlan.FlinkTable;
import dev.mzflink.translate.FlinkPlan.Option;
import dev.mzflink.translate.FlinkPlan.ResultsColumn;
import dev.mzflink.translate.FlinkPlan.ResultsTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The results tables of materialized objects and the {@code mzflink-results} sink tables that write
 * them, with everything the sink needs to create a missing table itself (the SQL client path, where
 * no {@code mzflink run} prepares the results database).
 */
final class ResultsSinks {
  private ResultsSinks() {}

  /** The results table of a view of an upstream table: the upstream columns and key. */
  static ResultsTable forTable(ObjectName view, PgTable table) {
    return new ResultsTable(
        view.schema(),
        view.name(),
        table.columns().stream()
            .map(c -> new ResultsColumn(c.name(), ResultsTypes.columnType(c.type()), c.notNull()))
            .toList(),
        table.primaryKey(),
        ResultsTypes.enums(table.columns().stream().map(PgColumn::type).toList()));
  }

  /** The results table of a materialized view: its output columns, keyed by {@code key}. */
  static ResultsTable forView(ObjectName view, List<OutputColumn> outputs, List<String> key) {
    return new ResultsTable(
        view.schema(),
        view.name(),
        outputs.stream()
            .map(
                c ->
                    new ResultsColumn(
                        c.flinkName(), c.type().resultsColumnType(), key.contains(c.flinkName())))
            .toList(),
        key);
  }

  /** The sink table that writes {@code table}, in the results catalog under the same names. */
  static FlinkTable sink(
      ResultsTable table, List<FlinkColumn> columns, List<String> key, TranslateOptions options) {
    List<Option> sinkOptions = new ArrayList<>();
    sinkOptions.add(Option.of("connector", "mzflink-results"));
    sinkOptions.add(urlOption(options.resultsUrl()));
    sinkOptions.add(Option.of("schema-name", table.schema()));
    sinkOptions.add(Option.of("table-name", table.name()));
    sinkOptions.add(Option.of("table-definition", table.definition()));
    if (!table.enums().isEmpty()) {
      sinkOptions.add(Option.of("table-types", table.typesSql()));
    }
    FlinkName name =
        new FlinkName(Optional.of(FlinkPlan.RESULTS_CATALOG), table.schema(), table.name());
    return new FlinkTable(name, columns, key, sinkOptions, List.of());
  }

  private static Option urlOption(String url) {
    String redacted = Redaction.url(url);
    return redacted.equals(url) ? Option.of("url", url) : Option.secret("url", url, redacted);
  }
}
