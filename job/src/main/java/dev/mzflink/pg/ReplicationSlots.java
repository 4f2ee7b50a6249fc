package dev.mzflink.pg;

import dev.mzflink.translate.UpstreamConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication slots upstream, by exact name: what PostgreSQL says of one, the server's identity,
 * and dropping one. Whose a slot is, is not decided here (see the slot registry of the results
 * database); this class only never touches a slot other than the one named, and ends a walsender
 * only when its caller says that walsender is its own.
 */
public final class ReplicationSlots {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicationSlots.class);

  private ReplicationSlots() {}

  /**
   * A slot as {@code pg_replication_slots} shows it, with the walsender that reads it.
   *
   * @param database the database of a logical slot (empty for a physical one)
   * @param activePid the backend that reads it, 0 when none
   * @param readerName that backend's {@code application_name}, empty when none
   * @param readerAddress its client address, empty when unknown or local
   */
  public record SlotState(
      String name,
      String database,
      boolean temporary,
      boolean active,
      int activePid,
      String readerName,
      String readerAddress) {
    /** {@code pid 123 (application, 10.0.0.1)}, for messages. */
    public String reader() {
      StringBuilder out = new StringBuilder("pid ").append(activePid);
      String details =
          String.join(
              ", ",
              java.util.stream.Stream.of(readerName, readerAddress)
                  .filter(s -> !s.isEmpty())
                  .toList());
      if (!details.isEmpty()) {
        out.append(" (").append(details).append(')');
      }
      return out.toString();
    }
  }

  /** The slot named {@code name} on the server of {@code c}, in whichever database. */
  public static Optional<SlotState> find(Connection c, String name) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT s.slot_name, coalesce(s.database, ''), s.temporary, s.active, coalesce(s.active_pid, 0),"
                + " coalesce(a.application_name, ''), coalesce(host(a.client_addr), '')"
                + " FROM pg_replication_slots s LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid"
                + " WHERE s.slot_name = ?")) {
      s.setString(1, name);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new SlotState(
                r.getString(1),
                r.getString(2),
                r.getBoolean(3),
                r.getBoolean(4),
                r.getInt(5),
                r.getString(6),
                r.getString(7)));
      }
    }
  }

  /**
   * The server's system identifier (unique per cluster since its initdb), from {@code
   * pg_control_system()}, or from {@code IDENTIFY_SYSTEM} on a replication connection where a
   * server revoked that function from the user.
   */
  public static String systemIdentifier(UpstreamConnection connection) throws SQLException {
    try (Connection c = PgConnections.open(connection)) {
      return systemIdentifier(c);
    } catch (SQLException e) {
      if (!"42501".equals(e.getSQLState())) {
        throw e;
      }
    }
    Properties p = connection.jdbcProperties();
    p.putIfAbsent("connectTimeout", "10");
    p.setProperty("replication", "database");
    p.setProperty("preferQueryMode", "simple");
    p.setProperty("assumeMinServerVersion", "10");
    try (Connection replication = PgConnections.connect(connection.jdbcUrl(), p)) {
      return identifySystem(replication);
    }
  }

  /** The system identifier from {@code pg_control_system()}. */
  public static String systemIdentifier(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
      r.next();
      return r.getString(1);
    }
  }

  /** The system identifier by {@code IDENTIFY_SYSTEM}, on a replication connection. */
  public static String identifySystem(Connection replication) throws SQLException {
    try (Statement s = replication.createStatement();
        ResultSet r = s.executeQuery("IDENTIFY_SYSTEM")) {
      r.next();
      return r.getString(1);
    }
  }

  /** What {@link #drop} did. */
  public enum Outcome {
    /** The slot was dropped. */
    DROPPED,
    /** There was no such slot. */
    ABSENT,
    /** A walsender the caller does not own kept reading it: it is left in place. */
    IN_USE,
    /** It belongs to another database of the server: left in place. */
    OTHER_DATABASE
  }

  /**
   * Drops the slot {@code name} in the database of {@code connection}, and no other. While a
   * walsender reads it, waits up to {@code wait} for it to let go; then ends that walsender only if
   * {@code mayTerminate} says it is the caller's own, and otherwise leaves the slot in place.
   */
  public static Outcome drop(
      UpstreamConnection connection, String name, Duration wait, Predicate<SlotState> mayTerminate)
      throws SQLException {
    long deadline = System.nanoTime() + wait.toNanos();
    boolean terminated = false;
    try (Connection c = PgConnections.open(connection)) {
      while (true) {
        Optional<SlotState> slot = find(c, name);
        if (slot.isEmpty()) {
          return Outcome.ABSENT;
        }
        if (!slot.get().database().equals(connection.database())) {
          return Outcome.OTHER_DATABASE;
        }
        if (!slot.get().active()) {
          try (PreparedStatement s = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            s.setString(1, name);
            s.execute();
            LOG.info("Dropped replication slot {}", name);
            return Outcome.DROPPED;
          } catch (SQLException e) {
            // 55006: taken by a walsender meanwhile; 42704: dropped meanwhile
            if ("42704".equals(e.getSQLState())) {
              return Outcome.ABSENT;
            }
            if (!"55006".equals(e.getSQLState())) {
              throw e;
            }
          }
        } else if (System.nanoTime() > deadline) {
          if (terminated || !mayTerminate.test(slot.get())) {
            LOG.info("Replication slot {} is read by {}: left in place", name, slot.get().reader());
            return Outcome.IN_USE;
          }
          // The caller's own walsender did not exit: end it.
          try (PreparedStatement s = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
            s.setInt(1, slot.get().activePid());
            s.execute();
          }
          LOG.info("Ended {}, which still read replication slot {}", slot.get().reader(), name);
          terminated = true;
          deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return Outcome.IN_USE;
        }
      }
    }
  }
}
