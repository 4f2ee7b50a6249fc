package dev.mzflink.source;

import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection that a poller keeps between its looks (rather than one per look, for the job's
 * lifetime), opened when first used and again after a failure.
 */
final class KeptConnection implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KeptConnection.class);

  /** Opens the connection. */
  interface Opener {
    Connection open() throws SQLException;
  }

  /** What is done with the connection. */
  interface Use<T> {
    T apply(Connection connection) throws SQLException;
  }

  private final String what;
  private final Opener opener;
  private Connection connection;
  private boolean closed;

  /** A connection to {@code what} (for the log), opened by {@code opener}. */
  KeptConnection(String what, Opener opener) {
    this.what = what;
    this.opener = opener;
  }

  /** Runs {@code use} on the connection; a failure closes it, and the next use opens another. */
  synchronized <T> T use(Use<T> use) throws SQLException {
    if (closed) {
      throw new SQLException("the connection to " + what + " is closed for good");
    }
    if (connection == null) {
      connection = opener.open();
    }
    try {
      return use.apply(connection);
    } catch (SQLException | RuntimeException e) {
      drop();
      throw e;
    }
  }

  /** Closes the connection for good: a later use fails instead of opening another. */
  @Override
  public synchronized void close() {
    closed = true;
    drop();
  }

  private void drop() {
    if (connection == null) {
      return;
    }
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.debug("Closing the connection to {}: {}", what, e.getMessage());
    }
    connection = null;
  }
}
