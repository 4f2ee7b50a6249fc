package dev.mzflink.pg;

import dev.mzflink.translate.UpstreamConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Drops a pipeline's replication slots upstream, waiting for their walsenders to let go. */
public final class ReplicationSlots {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicationSlots.class);

  private ReplicationSlots() {}

  /**
   * Drops {@code slot} and the connector's temporary {@code slot_<n>} snapshot slots in the
   * database of {@code connection}. Returns the names dropped.
   */
  public static List<String> drop(UpstreamConnection connection, String slot, Duration wait)
      throws SQLException {
    List<String> dropped = new ArrayList<>();
    long deadline = System.nanoTime() + wait.toNanos();
    try (Connection c = PgConnections.open(connection)) {
      while (true) {
        List<String> remaining = new ArrayList<>();
        boolean active = false;
        try (PreparedStatement s =
            c.prepareStatement(
                "SELECT slot_name, active, active_pid FROM pg_replication_slots "
                    + "WHERE database = current_database() AND (slot_name = ? OR slot_name ~ ('^' || ? || '_[0-9]+$'))")) {
          s.setString(1, slot);
          s.setString(2, slot);
          try (ResultSet r = s.executeQuery()) {
            while (r.next()) {
              remaining.add(r.getString(1));
              active |= r.getBoolean(2);
            }
          }
        }
        if (remaining.isEmpty()) {
          return dropped;
        }
        if (System.nanoTime() > deadline + Duration.ofSeconds(15).toNanos()) {
          throw new SQLException(
              "replication slots " + remaining + " are still in use and could not be dropped");
        }
        if (active && System.nanoTime() > deadline) {
          // The walsender did not exit: end it, the pipeline is gone.
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ANY(?) AND active")) {
            s.setArray(1, c.createArrayOf("text", remaining.toArray()));
            s.execute();
          }
        }
        for (String name : remaining) {
          try (PreparedStatement s = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            s.setString(1, name);
            s.execute();
            dropped.add(name);
            LOG.info("Dropped replication slot {}", name);
          } catch (SQLException e) {
            // 55006: still active; 42704: dropped meanwhile
            if (!"55006".equals(e.getSQLState()) && !"42704".equals(e.getSQLState())) {
              throw e;
            }
          }
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return dropped;
        }
      }
    }
  }
}
