package dev.mzflink.source;

import dev.mzflink.pg.PgConnections;
import dev.mzflink.source.pgoutput.PgTextSettings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.ReplicationSlotInfo;

/**
 * The source's connections upstream: replication connections (for the slot and the stream) and
 * plain ones (for COPY and catalog reads), every one with the session settings under which values
 * are read as text ({@link PgTextSettings}).
 */
final class PgReplication {
  private PgReplication() {}

  /** A plain connection named {@code purpose} in {@code pg_stat_activity}. */
  static Connection connect(SourceLayout layout, String purpose) throws SQLException {
    Connection c = PgConnections.connect(layout.jdbcUrl, properties(layout, purpose));
    try {
      PgTextSettings.apply(c);
      return c;
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  /** A replication connection ({@code replication=database}) named {@code purpose}. */
  static Connection replicationConnection(SourceLayout layout, String purpose) throws SQLException {
    Properties p = properties(layout, purpose);
    p.setProperty("replication", "database");
    p.setProperty("preferQueryMode", "simple");
    p.setProperty("assumeMinServerVersion", "10");
    Connection c = PgConnections.connect(layout.jdbcUrl, p);
    try {
      PgTextSettings.apply(c);
      return c;
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  private static Properties properties(SourceLayout layout, String purpose) {
    Properties p = layout.connectionProperties(layout.applicationName(purpose));
    p.putIfAbsent("connectTimeout", "10");
    // Keep TCP connections through idle stretches and notice a dead server.
    p.setProperty("tcpKeepAlive", "true");
    return p;
  }

  /** A replication slot as PostgreSQL sees it. */
  record Slot(boolean active, int activePid, long confirmedFlushLsn) {}

  /** The slot named {@code slot} in the connection's database, if it exists. */
  static Optional<Slot> slot(Connection c, String slot) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT active, coalesce(active_pid, 0),"
                + " (coalesce(confirmed_flush_lsn, restart_lsn) - '0/0'::pg_lsn)::text"
                + " FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()")) {
      s.setString(1, slot);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          return Optional.empty();
        }
        return Optional.of(new Slot(r.getBoolean(1), r.getInt(2), Long.parseLong(r.getString(3))));
      }
    }
  }

  /** Drops the slot {@code slot}. */
  static void dropSlot(Connection c, String slot) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
      s.setString(1, slot);
      s.execute();
    }
  }

  /** A slot just created: where its stream starts and the snapshot it exported. */
  record CreatedSlot(long consistentLsn, String snapshot) {}

  /**
   * Creates the logical slot {@code slot} (pgoutput) on replication connection {@code c}, which
   * exports its snapshot: valid until the next command on {@code c}, or until {@code c} closes.
   */
  static CreatedSlot createSlot(Connection c, String slot, boolean temporary) throws SQLException {
    var builder =
        c.unwrap(PGConnection.class)
            .getReplicationAPI()
            .createReplicationSlot()
            .logical()
            .withSlotName(slot)
            .withOutputPlugin("pgoutput");
    if (temporary) {
      builder = builder.withTemporaryOption();
    }
    ReplicationSlotInfo info = builder.make();
    return new CreatedSlot(info.getConsistentPoint().asLong(), info.getSnapshotName());
  }

  /** PostgreSQL's text of a WAL position. */
  static String lsn(long lsn) {
    return LogSequenceNumber.valueOf(lsn).asString();
  }
}
