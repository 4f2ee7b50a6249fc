package dev.mzflink.source.pgoutput;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The session settings under which PostgreSQL prints values the way {@link
 * dev.mzflink.values.PgTextDecoder} reads them, whatever the server's defaults: ISO dates,
 * intervals in the {@code postgres} style, time zones in UTC, floats that round-trip, bytea in hex.
 * Every connection whose values are read as text pins them: the replication connection before
 * {@code START_REPLICATION} (pgoutput prints values with the walsender's settings) and each COPY
 * connection.
 */
public final class PgTextSettings {
  /** The SET statements, in order; each works as a simple query on a replication connection. */
  public static final List<String> SET_STATEMENTS =
      List.of(
          "SET DateStyle = 'ISO, MDY'",
          "SET IntervalStyle = 'postgres'",
          "SET TimeZone = 'UTC'",
          "SET extra_float_digits = 3",
          "SET bytea_output = 'hex'");

  private PgTextSettings() {}

  /** Pins the settings on {@code connection}'s session. */
  public static void apply(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement()) {
      for (String sql : SET_STATEMENTS) {
        s.execute(sql);
      }
    }
  }
}
