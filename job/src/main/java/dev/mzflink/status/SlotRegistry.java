package dev.mzflink.status;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code mzflink.replication_slots} in the results database: every replication slot a pipeline
 * writing there has created (or is about to create) upstream, with whose it is. A pipeline drops,
 * reuses or ends the reader of a slot only when this registry records it as its own; {@code mzflink
 * slots} reads it to tell mzflink's slots from everyone else's.
 *
 * <p>It lives in the results database, not upstream: upstream is someone's production database,
 * where mzflink creates nothing but its slots. A slot is known by the upstream server's system
 * identifier and its name (slot names are unique per server); its owner is a source of an upstream
 * database, as the pipelines writing to this results database name it.
 */
public final class SlotRegistry {
  /** The registry table. */
  public static final String TABLE = ResultsSchema.table("replication_slots");

  static final String DDL =
      "CREATE TABLE IF NOT EXISTS "
          + TABLE
          + " (system_identifier text NOT NULL, slot_name text NOT NULL, database text NOT NULL,"
          + " source text NOT NULL, pipeline text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
          + " created_lsn pg_lsn, kept_for text, PRIMARY KEY (system_identifier, slot_name))";

  private SlotRegistry() {}

  /**
   * Whose a slot is: a source (quoted, as {@code "public"."src"}) reading upstream {@code
   * database}.
   */
  public record Owner(String database, String source) {
    public Owner {
      requireNonNull(database, "database is null");
      requireNonNull(source, "source is null");
    }

    /** {@code source "public"."src" of database "shop"}, for messages. */
    public String describe() {
      return String.format("source %s of database \"%s\"", source, database);
    }
  }

  /**
   * One recorded slot.
   *
   * @param systemIdentifier the upstream server's system identifier
   * @param slot the slot's name
   * @param owner the source that owns it
   * @param pipeline the Flink job name of the run that recorded it, for people
   * @param createdAt when it was recorded (text)
   * @param createdLsn where it started, once mzflink's source created it
   * @param keptFor why it may still be needed while no one reads it (a savepoint, retained
   *     checkpoints, a job on a cluster), if anything
   */
  public record Entry(
      String systemIdentifier,
      String slot,
      Owner owner,
      String pipeline,
      String createdAt,
      Optional<String> createdLsn,
      Optional<String> keptFor) {
    public Entry {
      requireNonNull(systemIdentifier, "systemIdentifier is null");
      requireNonNull(slot, "slot is null");
      requireNonNull(owner, "owner is null");
      requireNonNull(pipeline, "pipeline is null");
      requireNonNull(createdAt, "createdAt is null");
      requireNonNull(createdLsn, "createdLsn is null");
      requireNonNull(keptFor, "keptFor is null");
    }
  }

  private static final String COLUMNS =
      "system_identifier, slot_name, database, source, pipeline,"
          + " to_char(created_at, 'YYYY-MM-DD HH24:MI:SS'), created_lsn::text, kept_for";

  /** The entry of slot {@code slot} of server {@code systemIdentifier}, if recorded. */
  public static Optional<Entry> find(Connection results, String systemIdentifier, String slot)
      throws SQLException {
    return select(results, "system_identifier = ? AND slot_name = ?", systemIdentifier, slot)
        .stream()
        .findFirst();
  }

  /** Every slot recorded for server {@code systemIdentifier}, by name. */
  public static List<Entry> all(Connection results, String systemIdentifier) throws SQLException {
    return select(results, "system_identifier = ?", systemIdentifier);
  }

  /** The entries {@code where} selects (its parameters {@code values}), by slot name. */
  private static List<Entry> select(Connection results, String where, String... values)
      throws SQLException {
    if (!exists(results)) {
      return List.of();
    }
    try (PreparedStatement s =
        results.prepareStatement(
            "SELECT " + COLUMNS + " FROM " + TABLE + " WHERE " + where + " ORDER BY slot_name")) {
      for (int i = 0; i < values.length; i++) {
        s.setString(i + 1, values[i]);
      }
      return entries(s);
    }
  }

  /**
   * Records that {@code owner} uses slot {@code slot} of server {@code systemIdentifier} (about to
   * create it, or reusing its own), replacing an earlier entry of the slot; keeps the creation
   * position of an entry of the same owner.
   */
  public static void record(
      Connection results,
      String systemIdentifier,
      String slot,
      Owner owner,
      String pipeline,
      Optional<String> keptFor)
      throws SQLException {
    ResultsSchema.create(results, DDL);
    try (PreparedStatement s =
        results.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " AS r (system_identifier, slot_name, database, source, pipeline, kept_for)"
                + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (system_identifier, slot_name) DO UPDATE SET"
                + " pipeline = EXCLUDED.pipeline, kept_for = EXCLUDED.kept_for,"
                + " created_at = CASE WHEN r.database = EXCLUDED.database AND r.source = EXCLUDED.source"
                + " THEN r.created_at ELSE now() END,"
                + " created_lsn = CASE WHEN r.database = EXCLUDED.database AND r.source = EXCLUDED.source"
                + " THEN r.created_lsn END,"
                + " database = EXCLUDED.database, source = EXCLUDED.source")) {
      s.setString(1, systemIdentifier);
      s.setString(2, slot);
      s.setString(3, owner.database());
      s.setString(4, owner.source());
      s.setString(5, pipeline);
      s.setString(6, keptFor.orElse(null));
      s.executeUpdate();
    }
  }

  /**
   * Records that {@code owner} has just created slot {@code slot}, starting at WAL {@code lsn}
   * (PostgreSQL's text of it).
   */
  public static void recordCreated(
      Connection results,
      String systemIdentifier,
      String slot,
      Owner owner,
      String pipeline,
      String lsn)
      throws SQLException {
    ResultsSchema.create(results, DDL);
    try (PreparedStatement s =
        results.prepareStatement(
            "INSERT INTO "
                + TABLE
                + " (system_identifier, slot_name, database, source, pipeline, created_lsn) VALUES (?, ?, ?, ?, ?, ?::pg_lsn)"
                + " ON CONFLICT (system_identifier, slot_name) DO UPDATE SET database = EXCLUDED.database,"
                + " source = EXCLUDED.source, created_at = now(), created_lsn = EXCLUDED.created_lsn")) {
      s.setString(1, systemIdentifier);
      s.setString(2, slot);
      s.setString(3, owner.database());
      s.setString(4, owner.source());
      s.setString(5, pipeline);
      s.setString(6, lsn);
      s.executeUpdate();
    }
  }

  /** Notes why slot {@code slot} may still be needed while no one reads it. */
  public static void keep(Connection results, String systemIdentifier, String slot, String reason)
      throws SQLException {
    if (!exists(results)) {
      return;
    }
    try (PreparedStatement s =
        results.prepareStatement(
            "UPDATE "
                + TABLE
                + " SET kept_for = ? WHERE system_identifier = ? AND slot_name = ?")) {
      s.setString(1, reason);
      s.setString(2, systemIdentifier);
      s.setString(3, slot);
      s.executeUpdate();
    }
  }

  /** Removes the entry of slot {@code slot} (it was dropped, or never created). */
  public static void forget(Connection results, String systemIdentifier, String slot)
      throws SQLException {
    if (!exists(results)) {
      return;
    }
    try (PreparedStatement s =
        results.prepareStatement(
            "DELETE FROM " + TABLE + " WHERE system_identifier = ? AND slot_name = ?")) {
      s.setString(1, systemIdentifier);
      s.setString(2, slot);
      s.executeUpdate();
    }
  }

  private static boolean exists(Connection results) throws SQLException {
    try (PreparedStatement s =
            results.prepareStatement(
                "SELECT to_regclass('" + TABLE.replace("'", "''") + "') IS NOT NULL");
        ResultSet r = s.executeQuery()) {
      r.next();
      return r.getBoolean(1);
    }
  }

  private static List<Entry> entries(PreparedStatement s) throws SQLException {
    List<Entry> entries = new ArrayList<>();
    try (ResultSet r = s.executeQuery()) {
      while (r.next()) {
        entries.add(
            new Entry(
                r.getString(1),
                r.getString(2),
                new Owner(r.getString(3), r.getString(4)),
                r.getString(5),
                r.getString(6),
                Optional.ofNullable(r.getString(7)),
                Optional.ofNullable(r.getString(8))));
      }
    }
    return entries;
  }
}
