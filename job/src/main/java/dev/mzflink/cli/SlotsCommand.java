package dev.mzflink.cli;

import dev.mzflink.Redaction;
import dev.mzflink.UserError;
import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.pg.PasswordFiles;
import dev.mzflink.pg.PgConnections;
import dev.mzflink.pg.ReplicationSlots;
import dev.mzflink.plan.ShowOutput;
import dev.mzflink.runtime.OwnedSlots;
import dev.mzflink.status.SlotRegistry;
import dev.mzflink.status.SlotRegistry.Entry;
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

/**
 * {@code mzflink slots list|drop|adopt}: the {@code materialize_} replication slots of a server,
 * told apart by the slot registry of a results database ({@link SlotRegistry}): only the slots
 * recorded there are known to be mzflink's (Materialize names its own slots {@code materialize_...}
 * too).
 */
@Command(
    name = "slots",
    mixinStandardHelpOptions = true,
    description =
        "Lists, drops or adopts mzflink's replication slots (materialize_...) on a PostgreSQL server.",
    subcommands = {SlotsCommand.List.class, SlotsCommand.Drop.class, SlotsAdoptCommand.class})
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

  /**
   * The slots of {@code server} that the registry of the results database records, by name; none
   * without a results database.
   */
  static Map<String, Entry> recorded(ConnectionInfo server, Optional<String> resultsUrl)
      throws SQLException {
    Map<String, Entry> recorded = new LinkedHashMap<>();
    if (resultsUrl.isEmpty()) {
      return recorded;
    }
    String system = ReplicationSlots.systemIdentifier(UpstreamConnection.of(server));
    try (Connection c =
        PgConnections.open(
            resultsUrl.get(),
            new Properties(),
            "the results database " + Redaction.url(resultsUrl.get()))) {
      for (Entry entry : SlotRegistry.all(c, system)) {
        recorded.put(entry.slot(), entry);
      }
    }
    return recorded;
  }

  /** {@code source "public"."src" of database "shop" (mzflink x.sql, since ...)}. */
  static String describe(Entry entry) {
    return String.format(
        "%s (%s, since %s)%s",
        entry.owner().describe(),
        entry.pipeline(),
        entry.createdAt(),
        entry.keptFor().map(k -> "; kept for " + k).orElse(""));
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
        description =
            "A results database: its slot registry tells which slots are mzflink's and whose.")
    Optional<String> resultsUrl;

    @Override
    public Integer call() throws Exception {
      ConnectionInfo server = connection(host);
      Map<String, Entry> recorded = recorded(server, resultsUrl);
      java.util.List<java.util.List<String>> rows = new ArrayList<>();
      for (Slot slot : slots(server)) {
        Entry entry = recorded.get(slot.name());
        String owner;
        if (entry != null) {
          owner = "mzflink: " + describe(entry);
        } else if (resultsUrl.isPresent()) {
          owner = "not recorded as mzflink's";
        } else {
          owner = "none known";
        }
        owner += slot.active() ? "; read by " + slot.reader() : " (inactive)";
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
          "Drops materialize_ replication slots: the ones named, or with --inactive every one that a results database"
              + " records as mzflink's and that no reader or resume needs.")
  static final class Drop implements Callable<Integer> {
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
        description =
            "The results database whose slot registry records the slots as mzflink's (needed by --inactive).")
    Optional<String> resultsUrl;

    @Option(
        names = "--inactive",
        description =
            "Drop every slot that the results database records as mzflink's, that no walsender reads and that"
                + " no savepoint, retained checkpoint or cluster job is noted to need.")
    boolean inactive;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @Option(
        names = "--force",
        description = "Also drop named slots a walsender reads, ending it (their pipeline breaks).")
    boolean force;

    @Option(
        names = "--unrecorded",
        description =
            "Also drop named slots that no results database records as mzflink's (left by an mzflink version"
                + " before the registry, or by a pipeline whose results database is gone).")
    boolean unrecorded;

    @Parameters(paramLabel = "NAME", arity = "0..*", description = "Slots to drop.")
    java.util.List<String> names = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      if (inactive == !names.isEmpty()) {
        throw UserError.of("name the slots to drop, or give --inactive, not both or neither");
      }
      if (inactive && unrecorded) {
        throw UserError.of("--unrecorded drops only slots named one by one, not --inactive ones")
            .withHint("Name the slot: mzflink slots drop --host CONNINFO NAME --unrecorded.");
      }
      if (inactive && resultsUrl.isEmpty()) {
        throw UserError.of("mzflink slots drop --inactive needs --results-url")
            .withDetail(
                "Only the slot registry of a results database (mzflink.replication_slots) tells mzflink's slots"
                    + " from others: Materialize names its slots materialize_ too, and a slot no one reads may still"
                    + " be needed by a savepoint. mzflink does not guess by name.")
            .withHint(
                "Give the results database of the pipelines: --results-url JDBC_URL; or drop slots by name.");
      }
      ConnectionInfo server = connection(host);
      Map<String, Slot> existing = new LinkedHashMap<>();
      for (Slot slot : slots(server)) {
        existing.put(slot.name(), slot);
      }
      Map<String, Entry> recorded = recorded(server, resultsUrl);
      UpstreamConnection upstream = UpstreamConnection.of(server);
      java.util.List<Slot> targets = new ArrayList<>();
      java.util.List<String> leftUnrecorded = new ArrayList<>();
      java.util.List<String> leftKept = new ArrayList<>();
      if (inactive) {
        for (Slot slot : existing.values()) {
          if (slot.active()) {
            continue;
          }
          Entry entry = recorded.get(slot.name());
          if (entry == null) {
            leftUnrecorded.add(
                String.format(
                    "  %s: %s",
                    slot.name(), OwnedSlots.dropCommand(upstream, Optional.empty(), slot.name())));
          } else if (entry.keptFor().isPresent()) {
            leftKept.add(
                String.format(
                    "  %s (kept for %s): %s",
                    slot.name(),
                    entry.keptFor().get(),
                    OwnedSlots.dropCommand(upstream, resultsUrl, slot.name())));
          } else {
            targets.add(slot);
          }
        }
      } else {
        for (String name : names) {
          targets.add(named(name, existing, recorded, upstream));
        }
      }
      if (!leftUnrecorded.isEmpty()) {
        out.println(
            "Left in place, not recorded as mzflink's in this results database (drop one by name if nothing needs it):");
        leftUnrecorded.forEach(out::println);
      }
      if (!leftKept.isEmpty()) {
        out.println(
            "Left in place, kept for a resume (drop one by name when it will not be resumed):");
        leftKept.forEach(out::println);
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
        drop(slot, server, recorded.get(slot.name()), out);
      }
      out.flush();
      return Errors.OK;
    }

    /** The slot {@code name} names, refused unless it may be dropped as asked. */
    private Slot named(
        String name,
        Map<String, Slot> existing,
        Map<String, Entry> recorded,
        UpstreamConnection upstream) {
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
      if (!recorded.containsKey(name) && !unrecorded) {
        throw UserError.of(
                String.format("replication slot \"%s\" is not recorded as mzflink's", name))
            .withDetail(
                (resultsUrl.isPresent()
                        ? "The slot registry of the results database (mzflink.replication_slots) has no record of it."
                        : "Without --results-url there is no slot registry to look it up in.")
                    + " Materialize names its slots materialize_ too, and another pipeline, or a savepoint of one,"
                    + " may still need it.")
            .withHint(
                "Give --results-url of the pipeline that recorded it; or, if nothing needs the slot: "
                    + OwnedSlots.dropCommand(upstream, Optional.empty(), name)
                    + (slot.active() ? " --force" : ""));
      }
      if (slot.active() && !force) {
        throw UserError.of(
                String.format("replication slot \"%s\" is in use by %s", name, slot.reader()))
            .withDetail("Dropping it breaks the pipeline that reads it.")
            .withHint("Stop that pipeline first, or add --force.");
      }
      return slot;
    }

    /** Drops {@code slot} (ending its reader only with --force) and forgets its registry entry. */
    private void drop(Slot slot, ConnectionInfo server, Entry entry, PrintWriter out)
        throws SQLException {
      Map<String, String> values = new LinkedHashMap<>(server.values());
      values.put("dbname", slot.database());
      UpstreamConnection connection = UpstreamConnection.of(ConnectionInfo.of(values));
      boolean named = !inactive;
      switch (ReplicationSlots.drop(
          connection, slot.name(), Duration.ofSeconds(5), reader -> named && force)) {
        case DROPPED -> out.println("Dropped " + slot.name() + ".");
        case ABSENT -> out.println(slot.name() + " was dropped meanwhile.");
        case IN_USE, OTHER_DATABASE -> {
          out.println(slot.name() + " is in use: left in place.");
          return;
        }
      }
      if (entry != null && resultsUrl.isPresent()) {
        try (Connection c =
            PgConnections.open(
                resultsUrl.get(),
                new Properties(),
                "the results database " + Redaction.url(resultsUrl.get()))) {
          SlotRegistry.forget(c, entry.systemIdentifier(), slot.name());
        }
      }
    }
  }
}
