package dev.mzflink.testing;

import dev.mzflink.demo.EmbeddedPostgresServer;
import dev.mzflink.source.pgoutput.PgOutputDecoder;
import dev.mzflink.source.pgoutput.PgOutputMessage;
import dev.mzflink.source.pgoutput.PgTextSettings;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * A logical replication slot with the pgoutput plugin, created and streamed through pgjdbc's
 * replication API, for tests of the decoder. {@link #close} drops the slot.
 */
public final class PgOutputSlot implements AutoCloseable {
  /** The prefix of the logical message that marks the end of what a test reads. */
  private static final String END = "mzflink-test-end";

  private final EmbeddedPostgresServer server;
  private final String database;
  private final String name;

  private PgOutputSlot(EmbeddedPostgresServer server, String database, String name) {
    this.server = server;
    this.database = database;
    this.name = name;
  }

  /** Creates the slot {@code name} in {@code database}. */
  public static PgOutputSlot create(EmbeddedPostgresServer server, String database, String name)
      throws SQLException {
    try (Connection c = replicationConnection(server, database)) {
      c.unwrap(PGConnection.class)
          .getReplicationAPI()
          .createReplicationSlot()
          .logical()
          .withSlotName(name)
          .withOutputPlugin("pgoutput")
          .make();
    }
    return new PgOutputSlot(server, database, name);
  }

  /** A connection in the replication protocol ({@code replication=database}). */
  public static Connection replicationConnection(EmbeddedPostgresServer server, String database)
      throws SQLException {
    Properties properties = new Properties();
    PGProperty.USER.set(properties, "postgres");
    PGProperty.REPLICATION.set(properties, "database");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
    PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
    return DriverManager.getConnection(
        "jdbc:postgresql://localhost:" + server.port() + "/" + database, properties);
  }

  public String name() {
    return name;
  }

  /**
   * Every message of {@code publication} since the last read, up to now: writes an end marker
   * through {@code app}, streams (with the values' session settings pinned) until the marker
   * arrives, confirms what was read, and returns the decoded messages without the marker.
   */
  public List<PgOutputMessage> read(Connection app, String publication, Duration timeout)
      throws Exception {
    return read(app, publication, timeout, List.of());
  }

  /** {@link #read}, with {@code session} statements run on the replication connection first. */
  public List<PgOutputMessage> read(
      Connection app, String publication, Duration timeout, List<String> session) throws Exception {
    try (PreparedStatement s =
        app.prepareStatement("SELECT pg_logical_emit_message(false, ?, 'end')")) {
      s.setString(1, END);
      s.execute();
    }
    List<PgOutputMessage> messages = new ArrayList<>();
    try (Connection c = replicationConnection(server, database)) {
      Sql.execute(c, session.toArray(new String[0]));
      PgTextSettings.apply(c);
      try (PGReplicationStream stream =
          c.unwrap(PGConnection.class)
              .getReplicationAPI()
              .replicationStream()
              .logical()
              .withSlotName(name)
              .withSlotOption("proto_version", "1")
              .withSlotOption("publication_names", publication)
              .withSlotOption("messages", "true")
              .start()) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
          ByteBuffer payload = stream.readPending();
          if (payload == null) {
            if (System.nanoTime() > deadline) {
              throw new AssertionError(
                  "timed out after " + timeout + " reading slot " + name + ": " + messages);
            }
            Thread.sleep(10);
            continue;
          }
          PgOutputMessage message = PgOutputDecoder.decode(payload);
          if (message instanceof PgOutputMessage.LogicalMessage m && m.prefix().equals(END)) {
            LogSequenceNumber lsn = stream.getLastReceiveLSN();
            stream.setAppliedLSN(lsn);
            stream.setFlushedLSN(lsn);
            stream.forceUpdateStatus();
            return messages;
          }
          messages.add(message);
        }
      }
    }
  }

  /** Drops the slot, waiting for its walsender to let go of it. */
  @Override
  public void close() throws Exception {
    try (Connection c = server.connect(database)) {
      Await.until(
          "replication slot " + name + " to be dropped",
          Duration.ofSeconds(30),
          () -> {
            try (PreparedStatement s =
                c.prepareStatement(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        + " WHERE slot_name = ?")) {
              s.setString(1, name);
              s.execute();
            }
            try (PreparedStatement s =
                c.prepareStatement(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
              s.setString(1, name);
              try (var r = s.executeQuery()) {
                r.next();
                return r.getLong(1) == 0;
              }
            }
          });
    }
  }
}
