package dev.mzflink.pg;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * Which database a connection reached, as the server itself says it, whatever the URL or conninfo
 * called it ({@code localhost} or {@code 127.0.0.1}, a pooler, a DNS alias): the cluster's {@code
 * system_identifier} (from {@code pg_control_system()}, the same on a server and its physical
 * replicas and on clones restored from its backups), the postmaster's start time, and the
 * database's OID and name.
 *
 * @param systemIdentifier the cluster's system identifier; empty when the role may not read it
 * @param postmasterStart when the server started (to the microsecond)
 * @param databaseOid the database's OID
 * @param databaseName the database's name
 */
public record DatabaseIdentity(
    Optional<String> systemIdentifier,
    String postmasterStart,
    long databaseOid,
    String databaseName) {
  public DatabaseIdentity {
    requireNonNull(systemIdentifier, "systemIdentifier is null");
    requireNonNull(postmasterStart, "postmasterStart is null");
    requireNonNull(databaseName, "databaseName is null");
  }

  /** The identity of the database {@code c} is connected to. */
  public static DatabaseIdentity of(Connection c) throws SQLException {
    Optional<String> systemIdentifier;
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      try (ResultSet r =
          s.executeQuery("SELECT system_identifier::text FROM pg_catalog.pg_control_system()")) {
        r.next();
        systemIdentifier = Optional.of(r.getString(1));
      } catch (SQLException e) {
        // EXECUTE revoked from the role (42501): the start time below still tells servers apart.
        if (!"42501".equals(e.getSQLState())) {
          throw e;
        }
        systemIdentifier = Optional.empty();
      }
      try (ResultSet r =
          s.executeQuery(
              "SELECT to_char(pg_catalog.pg_postmaster_start_time() AT TIME ZONE 'UTC',"
                  + " 'YYYY-MM-DD HH24:MI:SS.US'), d.oid::bigint, d.datname"
                  + " FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()")) {
        r.next();
        return new DatabaseIdentity(systemIdentifier, r.getString(1), r.getLong(2), r.getString(3));
      }
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /**
   * Whether both are the same database: the same OID and name on the same running server (the same
   * postmaster start time, to the microsecond), and, where both sides may read it, the same cluster
   * system identifier. A clone restored from a backup (same identifier, same OIDs) or a physical
   * replica runs its own postmaster, so it is not the same database.
   */
  public boolean sameDatabaseAs(DatabaseIdentity other) {
    if (databaseOid != other.databaseOid
        || !databaseName.equals(other.databaseName)
        || !postmasterStart.equals(other.postmasterStart)) {
      return false;
    }
    return systemIdentifier.isEmpty()
        || other.systemIdentifier.isEmpty()
        || systemIdentifier.equals(other.systemIdentifier);
  }
}
