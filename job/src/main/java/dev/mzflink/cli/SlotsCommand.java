package dev.mzflink.cli;

import dev.mzflink.UserError;
import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.pg.PasswordFiles;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.pg.ReplicationSlots;
import dev.mzflink.plan.ShowOutput;
import dev.mzflink.translate.UpstreamConnection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mzflink slots list|drop}: the {@code materialize_} replication slots of a server. */
@Command(
    name = "slots",
    mixinStandardHelpOptions = true,
    description =
        "Lists or drops mzflink's replication slots (materialize_...) on a PostgreSQL server.",
    subcommands = {SlotsCommand.List.class, SlotsCommand.Drop.class})
final class SlotsCommand {
  /** A slot as the server reports it. */
  record Slot(
      String name,
      String database,
      boolean active,
      String reader,
      long retainedBytes,
      String retained,
      String walStatus) {}

  static java.util.List<Slot> slots(ConnectionInfo connection) throws SQLException {
    java.util.List<Slot> slots = new ArrayList<>();
    try (Connection c = PgConnections.open(connection);
        PreparedStatement s =
            c.prepareStatement(
                "SELECT s.slot_name, coalesce(s.database, ''), s.active,"
                    + " coalesce(r.application_name || ' (pid ' || r.pid || coalesce(', ' || host(r.client_addr), '') || ')', ''),"
                    + " coalesce(pg_current_wal_lsn() - s.restart_lsn, 0)::bigint, pg_size_pretty(coalesce(pg_current_wal_lsn() - s.restart_lsn, 0)),"
                    + " coalesce(s.wal_status, '')"
                    + " FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid"
                    + " WHERE s.slot_name LIKE 'materialize\\_%' ORDER BY s.slot_name");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        slots.add(
            new Slot(
                r.getString(1),
                r.getString(2),
                r.getBoolean(3),
                r.getString(4),
                r.getLong(5),
                r.getString(6),
                r.getString(7)));
      }
    }
    return slots;
  }

  /** The connection of {@code --host}, with libpq's environment defaults and password file. */
  static ConnectionInfo connection(String host) {
    return ConnectionInfo.parse(host)
        .withDefaults(System.getenv(), System.getProperty("user.name", "postgres"))
        .withPasswordFile(new PasswordFiles(System.err), System.getenv());
  }

  /** Which pipeline writes about each slot, from the status table of a results database. */
  static Map<String, String> owners(Optional<String> resultsUrl) {
    Map<String, String> owners = new LinkedHashMap<>();
    if (resultsUrl.isEmpty()) {
      return owners;
    }
    try (Connection c =
            PgConnections.open(resultsUrl.get(), new Properties(), "the results database");
        PreparedStatement s =
            c.prepareStatement(
                "SELECT slot, source || ' (' || status || ', updated ' || to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS') || ')'"
                    + " FROM mzflink.mz_source_statuses WHERE \"table\" = '' AND slot IS NOT NULL");
        ResultSet r = s.executeQuery()) {
      while (r.next()) {
        owners.put(r.getString(1), r.getString(2));
      }
    } catch (SQLException e) {
      // no status table there: no owners known
    }
    return owners;
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists every materialize_ replication slot of the server.")
  static final class List implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--host",
        required = true,
        paramLabel = "CONNINFO",
        description = "libpq connection string of the server.")
    String host;

    @Option(
        names = "--results-url",
        paramLabel = "JDBC_URL",
        description = "A results database: shows which pipeline owns each slot.")
    Optional<String> resultsUrl;

    @Override
    public Integer call() throws Exception {
      Map<String, String> owners = owners(resultsUrl);
      java.util.List<java.util.List<String>> rows = new ArrayList<>();
      for (Slot slot : slots(connection(host))) {
        String owner =
            owners.getOrDefault(
                slot.name(), slot.active() ? "read by " + slot.reader() : "none known (inactive)");
        rows.add(
            java.util.List.of(
                slot.name(),
                slot.database(),
                slot.active() ? "yes" : "no",
                slot.retainedBytes() + " (" + slot.retained() + ")",
                slot.walStatus(),
                owner));
      }
      PrintWriter out = spec.commandLine().getOut();
      out.print(
          new ShowOutput(
                  "slots list",
                  java.util.List.of(
                      "slot", "database", "active", "retained WAL bytes", "wal_status", "owner"),
                  rows)
              .render());
      out.flush();
      return Errors.OK;
    }
  }

  @Command(
      name = "drop",
      mixinStandardHelpOptions = true,
      description =
          "Drops materialize_ replication slots: the ones named, or with --inactive every one no reader uses.")
  static final class Drop implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--host",
        required = true,
        paramLabel = "CONNINFO",
        description = "libpq connection string of the server.")
    String host;

    @Option(
        names = "--inactive",
        description = "Drop every materialize_ slot that no walsender reads.")
    boolean inactive;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Option(
        names = "--force",
        description = "Also drop slots a walsender reads (their pipeline breaks).")
    boolean force;

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Slots to drop.")
    java.util.List<String> names = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (inactive == !names.isEmpty()) {
        throw UserError.of("name the slots to drop, or give --inactive, not both or neither");
      }
      ConnectionInfo server = connection(host);
      Map<String, Slot> existing = new LinkedHashMap<>();
      for (Slot slot : slots(server)) {
        existing.put(slot.name(), slot);
      }
      java.util.List<Slot> targets = new ArrayList<>();
      if (inactive) {
        existing.values().stream().filter(s -> !s.active()).forEach(targets::add);
      } else {
        for (String name : names) {
          if (!name.startsWith("materialize_")) {
            throw UserError.of(String.format("replication slot \"%s\" is not mzflink's", name))
                .withDetail(
                    "mzflink drops only slots named materialize_...; drop others with pg_drop_replication_slot().");
          }
          Slot slot = existing.get(name);
          if (slot == null) {
            throw UserError.of(String.format("replication slot \"%s\" does not exist", name))
                .withHint(
                    existing.isEmpty()
                        ? "The server has no materialize_ slots."
                        : "Existing: " + String.join(", ", existing.keySet()) + ".");
          }
          if (slot.active() && !force) {
            throw UserError.of(
                    String.format("replication slot \"%s\" is in use by %s", name, slot.reader()))
                .withDetail("Dropping it breaks the pipeline that reads it.")
                .withHint("Stop that pipeline first, or add --force.");
          }
          targets.add(slot);
        }
      }
      if (targets.isEmpty()) {
        out.println("No replication slot to drop.");
        out.flush();
        return Errors.OK;
      }
      java.util.List<String> listed =
          targets.stream().map(s -> s.name() + " (" + s.retained() + " of WAL)").toList();
      if (!yes) {
        out.printf(
            "Drop %d replication slot(s): %s? [y/N] ", targets.size(), String.join(", ", listed));
        out.flush();
        String answer =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (answer == null
            || !answer.trim().equalsIgnoreCase("y") && !answer.trim().equalsIgnoreCase("yes")) {
          out.println("Nothing dropped.");
          out.flush();
          return Errors.OK;
        }
      }
      for (Slot slot : targets) {
        Map<String, String> values = new LinkedHashMap<>(server.values());
        values.put("dbname", slot.database());
        java.util.List<String> dropped =
            ReplicationSlots.drop(
                UpstreamConnection.of(ConnectionInfo.of(values)),
                slot.name(),
                Duration.ofSeconds(5));
        out.println("Dropped " + String.join(", ", dropped) + ".");
      }
      out.flush();
      return Errors.OK;
    }
  }
}
