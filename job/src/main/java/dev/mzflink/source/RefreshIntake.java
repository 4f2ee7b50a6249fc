package dev.mzflink.source;

import dev.mzflink.pg.PgConnections;
import dev.mzflink.status.RefreshRequests;
import dev.mzflink.status.RefreshRequests.Request;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enumerator's side of {@link RefreshRequests}: reads a source's requests, checks them and
 * records how far they got. Every method does I/O: they run on the enumerator's worker thread.
 */
final class RefreshIntake {
  private static final Logger LOG = LoggerFactory.getLogger(RefreshIntake.class);

  private final SourceLayout layout;

  /** The results database, where the requests are. */
  private final KeptConnection results;

  RefreshIntake(SourceLayout layout) {
    this.layout = layout;
    this.results =
        new KeptConnection(
            "the results database",
            () -> PgConnections.connect(layout.resultsUrl, new Properties()));
  }

  /** Closes the connection to the results database. */
  void close() {
    results.close();
  }

  /**
   * Per table id, the requests to re-read it that a restart is for (or that a restart interrupted);
   * none when the results database does not answer (the poll takes them up again later).
   */
  Map<String, List<Long>> taken() {
    Map<String, List<Long>> byTable = new TreeMap<>();
    try {
      for (Request r : results.use(c -> RefreshRequests.open(c, layout.source))) {
        TableLayout table = tableNamed(r.table());
        if (table != null && !r.state().equals(RefreshRequests.State.REQUESTED.text())) {
          byTable.computeIfAbsent(table.id, k -> new ArrayList<>()).add(r.id());
        }
      }
    } catch (SQLException e) {
      LOG.warn(
          "Source {}: could not read the refresh requests in the results database: {}",
          layout.source,
          e.getMessage());
    }
    return byTable;
  }

  /** The one table of the source that {@code given} names, or null. */
  TableLayout tableNamed(String given) {
    List<TableLayout> named = tablesNamed(given);
    return named.size() == 1 ? named.get(0) : null;
  }

  /** The tables of the source that {@code given} names. */
  private List<TableLayout> tablesNamed(String given) {
    return layout.tables.stream()
        .filter(t -> RefreshRequests.Names.matches(given, t.qualifiedName))
        .toList();
  }

  /** Requests {@code ids} are read in a snapshot at WAL position {@code lsn}. */
  void reading(List<Long> ids, long lsn) throws SQLException {
    if (ids.isEmpty()) {
      return;
    }
    results.use(
        c -> {
          RefreshRequests.reading(c, ids, lsn);
          return null;
        });
  }

  /** Sets the state of requests {@code ids}. */
  void mark(List<Long> ids, RefreshRequests.State state) throws SQLException {
    if (ids.isEmpty()) {
      return;
    }
    results.use(
        c -> {
          RefreshRequests.mark(c, ids, state, Optional.empty(), Optional.empty());
          return null;
        });
  }

  /** The source's open refresh requests; none when the results database does not answer. */
  List<Request> open() {
    try {
      return results.use(c -> RefreshRequests.open(c, layout.source));
    } catch (SQLException e) {
      LOG.debug("Source {}: refresh requests not read: {}", layout.source, e.getMessage());
      return List.of();
    }
  }

  /**
   * Checks each request: the table it names must be one of the source's, with the shape the
   * pipeline reads it with. Records the others as failed and these as restarting; returns their
   * tables.
   */
  List<String> check(List<Request> polled) throws SQLException {
    // As they are now: a request polled a moment ago may have been taken and done since. Requests
    // being read (or read) are the restored stream's: a restart takes them up again.
    Set<Long> ids = new HashSet<>();
    polled.forEach(r -> ids.add(r.id()));
    List<Request> requests = new ArrayList<>();
    for (Request r : results.use(c -> RefreshRequests.open(c, layout.source))) {
      if (ids.contains(r.id())
          && (r.state().equals(RefreshRequests.State.REQUESTED.text())
              || r.state().equals(RefreshRequests.State.RESTARTING.text()))) {
        requests.add(r);
      }
    }
    Map<Long, String> failed = new TreeMap<>();
    Map<Long, TableLayout> taken = new TreeMap<>();
    List<String> names = layout.tables.stream().map(t -> t.qualifiedName).toList();
    for (Request r : requests) {
      List<TableLayout> matching = tablesNamed(r.table());
      if (matching.size() == 1) {
        taken.put(r.id(), matching.get(0));
      } else {
        failed.put(
            r.id(),
            String.format(
                matching.isEmpty()
                    ? "source %s has no table %s (its tables: %s)"
                    : "%2$s names more than one table of source %1$s (%3$s): give its schema too",
                layout.source,
                r.table(),
                String.join(", ", names)));
      }
    }
    if (!taken.isEmpty()) {
      Map<String, Optional<String>> changes = new HashMap<>();
      try (Connection c = PgReplication.connect(layout, "catalog")) {
        for (TableLayout table : new LinkedHashSet<>(taken.values())) {
          changes.put(table.id, TableShapes.change(c, layout.publication, table));
        }
      }
      for (var it = taken.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        TableLayout table = e.getValue();
        Optional<String> change = changes.get(table.id);
        if (change.isPresent()) {
          failed.put(
              e.getKey(),
              String.format(
                  "table %s cannot be re-read: %s. A refresh reads a table with the columns and"
                      + " types the pipeline was planned with; start the pipeline again from"
                      + " scratch (without --from-savepoint) to read it as it is now",
                  table.qualifiedName, change.get()));
          it.remove();
        }
      }
    }
    results.use(
        c -> {
          mark(c, failed, taken);
          return null;
        });
    Set<String> tables = new TreeSet<>();
    taken.values().forEach(t -> tables.add(t.qualifiedName));
    return new ArrayList<>(tables);
  }

  /** Records the requests {@code failed} with their reasons, and {@code taken} as restarting. */
  private static void mark(Connection c, Map<Long, String> failed, Map<Long, TableLayout> taken)
      throws SQLException {
    for (var e : failed.entrySet()) {
      RefreshRequests.mark(
          c,
          List.of(e.getKey()),
          RefreshRequests.State.FAILED,
          Optional.empty(),
          Optional.of(e.getValue()));
    }
    for (var e : taken.entrySet()) {
      RefreshRequests.mark(
          c,
          List.of(e.getKey()),
          RefreshRequests.State.RESTARTING,
          Optional.of(e.getValue().qualifiedName),
          Optional.empty());
    }
  }
}
