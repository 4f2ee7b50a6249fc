package dev.mzflink.translate;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * Replication slot names: {@code materialize_<source>[_<table>][_<suffix>]}, lowercase {@code
 * [a-z0-9_]}, deterministic for the same pipeline, and short enough that the connector's temporary
 * {@code <slot>_<subtask>} slots still fit PostgreSQL's 63 bytes.
 */
public final class SlotNames {
  /** PostgreSQL's NAMEDATALEN - 1. */
  public static final int MAX_LENGTH = 63;

  /** Room left for the connector's {@code _<subtask>} suffix on temporary backfill slots. */
  static final int BASE_LENGTH = MAX_LENGTH - 5;

  private static final String PREFIX = "materialize_";

  private SlotNames() {}

  /** The slot of {@code source}'s upstream table {@code schema.table} on the per-table path. */
  public static String perTable(
      String source, String schema, String table, Optional<String> suffix) {
    return name(source + "_" + schema + "_" + table, suffix);
  }

  /** The one slot of {@code source} on the one-slot path. */
  public static String perSource(String source, Optional<String> suffix) {
    return name(source, suffix);
  }

  private static String name(String identity, Optional<String> suffix) {
    String full = identity + suffix.map(s -> "_" + s).orElse("");
    String clean = sanitize(full);
    String name = PREFIX + clean;
    if (clean.equals(full) && name.length() <= BASE_LENGTH) {
      return name;
    }
    // Sanitizing or truncating may make two identities collide: add a hash of the original.
    String hash = shortHash(full);
    int room = BASE_LENGTH - PREFIX.length() - hash.length() - 1;
    String head = clean.length() > room ? clean.substring(0, room) : clean;
    return PREFIX + head + "_" + hash;
  }

  public static String sanitize(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toLowerCase(Locale.ROOT).toCharArray()) {
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
      out.append(ok ? c : '_');
    }
    return out.toString();
  }

  private static String shortHash(String s) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
