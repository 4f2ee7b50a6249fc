package dev.mzflink.pg;

import dev.mzflink.Redaction;
import dev.mzflink.UserError;
import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.translate.UpstreamConnection;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens JDBC connections to upstream and results databases and turns connection failures into user
 * errors with a hint, never a stack trace.
 */
public final class PgConnections {
  private PgConnections() {}

  /** Connects with the parameters of a libpq connection string. */
  public static Connection open(ConnectionInfo info) {
    return open(UpstreamConnection.of(info));
  }

  /** Connects to a source's upstream database. */
  public static Connection open(UpstreamConnection connection) {
    Properties properties = connection.jdbcProperties();
    properties.putIfAbsent("connectTimeout", "10");
    return open(connection.jdbcUrl(), properties, connection.describe());
  }

  /** Connects to a JDBC URL, as given for the results database. */
  public static Connection open(String jdbcUrl, Properties properties, String describe) {
    try {
      return connect(jdbcUrl, properties);
    } catch (SQLException e) {
      throw connectionError(e, describe);
    }
  }

  /**
   * Connects with PostgreSQL's JDBC driver itself, not through {@code DriverManager}: in a Flink
   * job the driver is loaded by the job's class loader, and after a restart (a new class loader)
   * {@code DriverManager} no longer offers it ("No suitable driver found").
   */
  public static Connection connect(String jdbcUrl, Properties properties) throws SQLException {
    // Every password this process connects with is hidden wherever it would appear.
    Redaction.registerUrl(jdbcUrl);
    Redaction.register(properties.getProperty("password"));
    Connection c = DRIVER.connect(jdbcUrl, properties);
    if (c == null) {
      throw new SQLException("not a PostgreSQL JDBC URL: " + Redaction.url(jdbcUrl), "08001");
    }
    return c;
  }

  private static final org.postgresql.Driver DRIVER = new org.postgresql.Driver();

  /** A user error for a failure to connect to {@code describe}. */
  public static UserError connectionError(SQLException e, String describe) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    Throwable cause = rootCause(e);
    String primary = "could not connect to " + describe;
    String message = firstLine(e.getMessage());
    if (cause instanceof UnknownHostException) {
      return UserError.of(primary)
          .withDetail("The host name could not be resolved: " + cause.getMessage() + ".")
          .withHint("Check host= in the connection string.");
    }
    if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
      return UserError.of(primary)
          .withDetail("Connection refused: nothing accepts connections at that address and port.")
          .withHint(
              "Check that PostgreSQL is running and listening there (listen_addresses, port).");
    }
    if (cause instanceof SocketTimeoutException || message.contains("timed out")) {
      return UserError.of(primary)
          .withDetail("The connection attempt timed out.")
          .withHint(
              "Check the host, the port and any firewall in between; raise connect_timeout if the server is slow.");
    }
    switch (state) {
      case "28P01":
        return UserError.of(primary)
            .withDetail("Password authentication failed (SQLSTATE 28P01).")
            .withHint("Check the password in the connection string, PGPASSWORD, or ~/.pgpass.");
      case "28000":
        if (message.contains("no pg_hba.conf entry") && message.contains("no encryption")) {
          return UserError.of(primary)
              .withDetail(message + " (SQLSTATE 28000).")
              .withHint(
                  "No pg_hba.conf line admits this connection without SSL: if the server admits it only over SSL (hostssl),"
                      + " set sslmode=require in the connection string; otherwise add a host line for this host, user and"
                      + " database to pg_hba.conf and reload PostgreSQL.");
        }
        return UserError.of(primary)
            .withDetail(message + " (SQLSTATE 28000).")
            .withHint(
                message.contains("pg_hba.conf")
                    ? "Add a line for this host, user and database to pg_hba.conf and reload PostgreSQL; replication needs the user to be allowed for the database."
                    : "Check the user name and that the role may log in.");
      case "3D000":
        return UserError.of(primary)
            .withDetail(message + ".")
            .withHint("Check dbname= in the connection string.");
      case "08004":
        if (message.contains("SSL")) {
          return UserError.of(primary)
              .withDetail(message + ".")
              .withHint(
                  "The server requires or refuses SSL: set sslmode= in the connection string accordingly.");
        }
        return UserError.of(primary).withDetail(message + ".");
      default:
        if (message.contains("SSL")) {
          return UserError.of(primary)
              .withDetail(message + ".")
              .withHint(
                  "Set sslmode= in the connection string (disable, prefer, require, verify-ca, verify-full).");
        }
        return UserError.of(primary)
            .withDetail(message + (state.isEmpty() ? "." : " (SQLSTATE " + state + ")."));
    }
  }

  private static Throwable rootCause(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int nl = message.indexOf('\n');
    String line = nl >= 0 ? message.substring(0, nl) : message;
    return line.endsWith(".") ? line.substring(0, line.length() - 1) : line;
  }
}
