package dev.mzflink.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.demo.EmbeddedPostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded PostgreSQL per test class, with logical replication. After the class it fails if any
 * {@code materialize_} replication slot survived, then stops the server.
 */
public final class PostgresServerExtension implements BeforeAllCallback, AfterAllCallback {
  private final Map<String, String> settings;
  private final int version;
  private EmbeddedPostgresServer server;

  public PostgresServerExtension() {
    this(Map.of());
  }

  public PostgresServerExtension(Map<String, String> settings) {
    this(settings, 17);
  }

  /** A server of PostgreSQL {@code version} (13 to 17, see {@link PostgresVersions}). */
  public PostgresServerExtension(Map<String, String> settings, int version) {
    this.settings = settings;
    this.version = version;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = EmbeddedPostgresServer.start(settings, PostgresVersions.binaries(version));
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (server == null) {
      return;
    }
    try {
      List<String> leaked = leakedSlots();
      assertThat(leaked).as("replication slots left behind by the tests").isEmpty();
    } finally {
      server.close();
      server = null;
    }
  }

  private List<String> leakedSlots() throws SQLException {
    List<String> slots = new ArrayList<>();
    try (Connection c = server.connect("postgres");
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'materialize%'")) {
      while (r.next()) {
        slots.add(r.getString(1));
      }
    }
    return slots;
  }

  public EmbeddedPostgresServer server() {
    return server;
  }
}
