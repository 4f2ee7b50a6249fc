package dev.mzflink.cli;

import dev.mzflink.UserError;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.sql.Quote;
import dev.mzflink.status.SourceStatuses;
import dev.mzflink.status.SourceStatuses.Applied;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mzflink wait --results-url URL --source S --lsn LSN}: read-your-writes. Returns once the
 * results database reflects every upstream transaction of source S that committed before LSN (a
 * client takes {@code pg_current_wal_insert_lsn()} upstream after its commit: {@code
 * pg_current_wal_lsn()}, the write position, can lag a commit made with {@code synchronous_commit}
 * off), as the status table's {@code applied_lsn} says; the sink's commit sets it in the
 * transaction that commits the results.
 */
@Command(
    name = "wait",
    mixinStandardHelpOptions = true,
    description =
        "Waits until the results reflect a source's upstream up to a WAL position: take pg_current_wal_insert_lsn() upstream"
            + " after a write, then wait for it. Exit 0 once they do, 1 on timeout or when the source is errored.")
final class WaitCommand implements Callable<Integer> {
  private static final Pattern LSN = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

  /** How often the status table is read. */
  static final long POLL_MILLIS = 50;

  @Spec CommandSpec spec;

  @Option(
      names = "--results-url",
      required = true,
      paramLabel = "JDBC_URL",
      description = "JDBC URL of the results database.")
  String resultsUrl;

  @Option(
      names = "--source",
      required = true,
      paramLabel = "NAME",
      description =
          "The source: name, schema.name, or \"schema\".\"name\" as CREATE SOURCE named it.")
  String source;

  @Option(
      names = "--lsn",
      required = true,
      paramLabel = "LSN",
      description =
          "The upstream WAL position to wait for, as pg_current_wal_insert_lsn() gives it after a commit (0/16B3748).")
  String lsn;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description = "How long to wait (default 30s).")
  String timeout;

  @Override
  public Integer call() throws Exception {
    if (!LSN.matcher(lsn).matches()) {
      throw UserError.of(String.format("invalid --lsn \"%s\"", lsn))
          .withHint("Give a WAL position as PostgreSQL writes it, for example 0/16B3748.");
    }
    Duration limit = RunCommand.Durations.parse("--timeout", timeout);
    String quoted = quotedSource(source);
    PrintWriter out = spec.commandLine().getOut();
    long deadline = System.nanoTime() + limit.toNanos();
    try (Connection c = PgConnections.open(resultsUrl, new Properties(), "the results database")) {
      Optional<Applied> last = Optional.empty();
      while (true) {
        last = SourceStatuses.applied(c, quoted, lsn);
        if (last.isPresent()) {
          Applied a = last.get();
          if (a.reached()) {
            out.printf("source %s: results reflect upstream up to %s%n", quoted, a.appliedLsn());
            out.flush();
            return Errors.OK;
          }
          if (a.status().equals(SourceStatuses.Status.ERRORED.text())) {
            throw UserError.of(String.format("source %s is errored", quoted))
                .withDetail(a.error())
                .withHint("Its results will not reach " + lsn + "; see mzflink status.");
          }
        }
        if (System.nanoTime() > deadline) {
          throw timedOut(quoted, last);
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (SQLException e) {
      throw UserError.of("could not read the status table").withDetail(e.getMessage());
    }
  }

  private UserError timedOut(String quoted, Optional<Applied> last) {
    String message =
        String.format(
            "the results do not reflect source %s up to %s after %s", quoted, lsn, timeout);
    if (last.isEmpty()) {
      return UserError.of(message)
          .withDetail("The results database has no status of source " + quoted + ".")
          .withHint(
              "Check the source's name (mzflink status lists them) and that a pipeline of it runs.");
    }
    Applied a = last.get();
    String detail =
        a.appliedLsn().isEmpty()
            ? "Its status is "
                + a.status()
                + " and no position is applied yet (a snapshot is read)."
            : "Its status is "
                + a.status()
                + "; the results reflect it up to "
                + a.appliedLsn()
                + ".";
    if (!a.error().isEmpty()) {
      detail += " " + a.error();
    }
    return UserError.of(message).withDetail(detail).withHint("Wait longer with --timeout.");
  }

  /** {@code "schema"."name"} of what the user wrote: unquoted parts fold to lower case. */
  static String quotedSource(String text) {
    String t = text.trim();
    if (t.startsWith("\"")) {
      return t;
    }
    String[] parts = t.split("\\.", -1);
    if (parts.length == 1) {
      return Quote.pgQualified("public", parts[0].toLowerCase(Locale.ROOT));
    }
    if (parts.length == 2) {
      return Quote.pgQualified(
          parts[0].toLowerCase(Locale.ROOT), parts[1].toLowerCase(Locale.ROOT));
    }
    throw UserError.of(String.format("invalid --source \"%s\"", text))
        .withHint("Give the source as name, schema.name or \"schema\".\"name\".");
  }
}
