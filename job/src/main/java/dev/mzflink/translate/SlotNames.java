package dev.mzflink.translate;

import dev.mzflink.UserError;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Replication slot names: {@code materialize_<source>[_<schema>_<table>][__<suffix>]}, lowercase
 * {@code [a-z0-9_]}, deterministic for the same pipeline, at most {@link #BASE_LENGTH} bytes so the
 * source's temporary {@code <slot>_t} slot still fits PostgreSQL's 63.
 *
 * <p>The suffix is set off by a double underscore, which the rest of a name never contains: each
 * name part is reduced to words of {@code [a-z0-9]} joined by single underscores (a part that had
 * to be changed for that gets a hash of the original appended to the whole name), and a suffix must
 * already have that form. So a suffixed name never equals another source's name, with or without a
 * suffix: {@code src} with suffix {@code 2} is {@code materialize_src__2}, while a source named
 * {@code src_2} is {@code materialize_src_2}.
 */
public final class SlotNames {
  /** PostgreSQL's NAMEDATALEN - 1. */
  public static final int MAX_LENGTH = 63;

  /** Room left for the source's temporary {@code <slot>_t} slot (and more). */
  static final int BASE_LENGTH = MAX_LENGTH - 5;

  private static final String PREFIX = "materialize_";

  /** Sets the suffix off from the rest of the name; no other part of a name contains it. */
  static final String SUFFIX_SEPARATOR = "__";

  private static final Pattern SUFFIX = Pattern.compile("[a-z0-9]+(_[a-z0-9]+)*");

  private SlotNames() {}

  /** The slot of {@code source}'s upstream table {@code schema.table} on the per-table path. */
  public static String perTable(
      String source, String schema, String table, Optional<String> suffix) {
    return name(List.of(source, schema, table), suffix);
  }

  /** The one slot of {@code source} on the one-slot path. */
  public static String perSource(String source, Optional<String> suffix) {
    return name(List.of(source), suffix);
  }

  /**
   * Refuses a {@code --slot-suffix} that is not words of lower-case letters and digits joined by
   * single underscores: anything else could make one pipeline's slot name another's.
   */
  public static void checkSuffix(String suffix) {
    if (SUFFIX.matcher(suffix).matches()) {
      return;
    }
    String suggestion = part(suffix);
    throw UserError.of(String.format("invalid slot suffix \"%s\"", suffix))
        .withDetail(
            "A slot suffix is lower-case letters and digits, in words joined by single underscores"
                + " (prod, eu_2): it ends replication slot names, materialize_<source>__<suffix>,"
                + " and anything else could make them equal to another pipeline's.")
        .withHint(
            suggestion.isEmpty()
                ? "Use a suffix such as --slot-suffix prod."
                : "Use --slot-suffix " + suggestion + ".");
  }

  private static String name(List<String> parts, Optional<String> suffix) {
    suffix.ifPresent(SlotNames::checkSuffix);
    List<String> cleaned = new ArrayList<>();
    for (String part : parts) {
      String c = part(part);
      cleaned.add(c.isEmpty() ? "x" : c);
    }
    String body = String.join("_", cleaned) + suffix.map(s -> SUFFIX_SEPARATOR + s).orElse("");
    String name = PREFIX + body;
    if (cleaned.equals(parts) && name.length() <= BASE_LENGTH) {
      return name;
    }
    // Cleaning or shortening may make two identities collide: add a hash of the original parts.
    StringBuilder identity = new StringBuilder();
    for (String part : parts) {
      identity.append(part).append('\u0000');
    }
    suffix.ifPresent(s -> identity.append('\u0001').append(s));
    String hash = shortHash(identity.toString());
    int room = BASE_LENGTH - PREFIX.length() - hash.length() - 1;
    String head = body.length() > room ? body.substring(0, room) : body;
    head = head.replaceAll("_+$", "");
    return PREFIX + head + "_" + hash;
  }

  /**
   * One part of a name in its normal form: lower case, every run of characters other than {@code
   * [a-z0-9]} one underscore, none at either end.
   */
  static String part(String s) {
    StringBuilder out = new StringBuilder();
    boolean gap = false;
    for (char c : s.toLowerCase(Locale.ROOT).toCharArray()) {
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (ok) {
        if (gap && out.length() > 0) {
          out.append('_');
        }
        out.append(c);
        gap = false;
      } else {
        gap = true;
      }
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
