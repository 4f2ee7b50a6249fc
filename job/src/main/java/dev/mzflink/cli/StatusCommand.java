package dev.mzflink.cli;

import dev.mzflink.UserError;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.plan.ShowOutput;
import dev.mzflink.status.RefreshRequests;
import dev.mzflink.status.SourceStatuses;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code mzflink status --results-url URL}: the status of every source and table. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Prints mzflink.mz_source_statuses from the results database: every source and table, its status and progress; and the refresh requests open or ended in the last day.")
final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--results-url",
      required = true,
      paramLabel = "JDBC_URL",
      description = "JDBC URL of the results database.")
  String resultsUrl;

  static final List<String> COLUMNS =
      List.of(
          "source",
          "table",
          "status",
          "error",
          "last change",
          "snapshot rows",
          "retained WAL",
          "slot",
          "applied LSN",
          "updated");

  static final List<String> REFRESH_COLUMNS =
      List.of("request", "source", "table", "state", "rows written", "error", "updated");

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (Connection c = PgConnections.open(resultsUrl, new Properties(), "the results database")) {
      List<List<String>> rows = SourceStatuses.read(c);
      out.print(new ShowOutput("status", COLUMNS, rows).render());
      List<List<String>> refreshes = RefreshRequests.recent(c);
      if (!refreshes.isEmpty()) {
        out.println();
        out.print(new ShowOutput("refresh requests", REFRESH_COLUMNS, refreshes).render());
      }
      out.flush();
      return Errors.OK;
    } catch (SQLException e) {
      throw UserError.of("could not read the status table").withDetail(e.getMessage());
    }
  }
}
