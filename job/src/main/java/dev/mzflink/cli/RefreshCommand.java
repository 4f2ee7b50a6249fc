package dev.mzflink.cli;

import dev.mzflink.UserError;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.status.RefreshRequests;
import dev.mzflink.status.RefreshRequests.Names;
import dev.mzflink.status.SourceStatuses;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mzflink refresh --results-url URL SOURCE [TABLE...]}: asks the running pipeline to re-read
 * tables of a source and write only what differs, and waits until it has.
 */
@Command(
    name = "refresh",
    mixinStandardHelpOptions = true,
    description =
        "Re-reads upstream tables of a running source at a new consistent point and writes only the"
            + " rows that differ into the results database: repairs a results table someone else"
            + " edited. Without TABLE, every table of the source. Requests go into"
            + " mzflink.mz_refresh_requests (anyone who can write it may insert them instead);"
            + " exit 0 once every table is done, 1 when one failed or on timeout.")
final class RefreshCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--results-url",
      required = true,
      paramLabel = "JDBC_URL",
      description = "JDBC URL of the pipeline's results database.")
  String resultsUrl;

  @Option(
      names = "--timeout",
      defaultValue = "30m",
      paramLabel = "DURATION",
      description = "How long to wait for the refresh (default ${DEFAULT-VALUE}; e.g. 90s, 10m).")
  String timeout;

  @Option(names = "--no-wait", description = "Request the refresh and return at once.")
  boolean noWait;

  @Parameters(
      index = "0",
      paramLabel = "SOURCE",
      description = "The source, as mzflink status shows it.")
  String source;

  @Parameters(
      index = "1..*",
      paramLabel = "TABLE",
      description = "Upstream tables of the source (schema.table or table).")
  List<String> tables = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Duration limit = RunCommand.Durations.parse("--timeout", timeout);
    PrintWriter out = spec.commandLine().getOut();
    try (Connection c = PgConnections.open(resultsUrl, new Properties(), "the results database")) {
      List<List<String>> statuses = SourceStatuses.read(c);
      String quoted = source(statuses);
      Set<String> known = new LinkedHashSet<>();
      for (List<String> row : statuses) {
        if (row.get(0).equals(quoted) && !row.get(1).isEmpty()) {
          known.add(row.get(1));
        }
      }
      List<String> targets = tables.isEmpty() ? new ArrayList<>(known) : named(quoted, known);
      if (targets.isEmpty()) {
        throw UserError.of("the status table lists no tables of source " + quoted + " yet")
            .withHint("Name the tables to refresh.");
      }
      RefreshRequests.create(c);
      Map<Long, String> requests = new LinkedHashMap<>();
      for (String table : targets) {
        long id = RefreshRequests.request(c, quoted, table);
        requests.put(id, table);
        out.printf("Requested the refresh of %s of source %s (request %d)%n", table, quoted, id);
      }
      out.flush();
      if (noWait) {
        return Errors.OK;
      }
      return await(c, requests, limit, out);
    } catch (SQLException e) {
      throw UserError.of("could not request the refresh").withDetail(e.getMessage());
    }
  }

  /** The source {@link #source} names, quoted as the status table has it. */
  private String source(List<List<String>> statuses) {
    Set<String> sources = new LinkedHashSet<>();
    Set<String> matching = new LinkedHashSet<>();
    for (List<String> row : statuses) {
      sources.add(row.get(0));
      if (Names.matches(source, row.get(0))) {
        matching.add(row.get(0));
      }
    }
    if (matching.size() == 1) {
      return matching.iterator().next();
    }
    if (matching.isEmpty()) {
      throw UserError.of("the results database has no source " + source)
          .withDetail(
              sources.isEmpty()
                  ? "Its status table (mzflink.mz_source_statuses) is empty or missing."
                  : "Its sources: " + String.join(", ", sources) + ".")
          .withHint("Give the --results-url of the running pipeline, and its source's name.");
    }
    throw UserError.of(source + " names more than one source: " + String.join(", ", matching))
        .withHint("Give the source's schema too, as mzflink status shows it.");
  }

  /**
   * The source's tables that {@link #tables} name, as the status table has them; a name it does not
   * list yet (a pipeline that just started) as given: the pipeline checks it.
   */
  private List<String> named(String quoted, Set<String> known) {
    List<String> named = new ArrayList<>();
    for (String given : tables) {
      List<String> matching = known.stream().filter(t -> Names.matches(given, t)).toList();
      if (matching.size() > 1) {
        throw UserError.of(given + " names more than one table of source " + quoted)
            .withDetail("Its tables: " + String.join(", ", known) + ".")
            .withHint("Give the table's schema too.");
      }
      named.add(matching.isEmpty() ? given : matching.get(0));
    }
    return named;
  }

  /** Waits until every request is done or failed; prints each outcome. */
  private int await(Connection c, Map<Long, String> requests, Duration limit, PrintWriter out)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    Map<Long, String> open = new LinkedHashMap<>(requests);
    boolean failed = false;
    Map<Long, String> lastState = new LinkedHashMap<>();
    while (!open.isEmpty()) {
      for (var it = open.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        Optional<RefreshRequests.Outcome> outcome = RefreshRequests.outcome(c, e.getKey());
        if (outcome.isEmpty()) {
          out.printf("%s: request %d was removed%n", e.getValue(), e.getKey());
          failed = true;
          it.remove();
          continue;
        }
        RefreshRequests.Outcome o = outcome.get();
        lastState.put(e.getKey(), o.state());
        if (o.state().equals(RefreshRequests.State.DONE.text())) {
          out.printf(
              "%s: refreshed, %s%n",
              e.getValue(),
              o.rowsWritten()
                  .map(n -> n + " row(s) of its results table written")
                  .orElse("no results table (the source is not MATERIALIZED)"));
          it.remove();
        } else if (o.state().equals(RefreshRequests.State.FAILED.text())) {
          out.printf("%s: failed: %s%n", e.getValue(), o.error());
          failed = true;
          it.remove();
        }
      }
      out.flush();
      if (open.isEmpty()) {
        break;
      }
      if (System.nanoTime() > deadline) {
        List<String> waiting = new ArrayList<>();
        open.forEach((id, table) -> waiting.add(table + " (" + lastState.get(id) + ")"));
        throw UserError.of(
                "the refresh is not done after " + timeout + ": " + String.join(", ", waiting))
            .withDetail(
                "A request stays 'requested' until a running pipeline of the source takes it.")
            .withHint(
                "Check that the pipeline runs (mzflink status), or wait longer with --timeout.");
      }
      Thread.sleep(500);
    }
    return failed ? Errors.USER_ERROR : Errors.OK;
  }
}
