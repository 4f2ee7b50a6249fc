package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * libpq's password file ({@code ~/.pgpass}, or {@code passfile}/{@code PGPASSFILE}), parsed from
 * its text: lines {@code hostname:port:database:username:password}, {@code *} matching anything in
 * the first four fields, {@code \:} and {@code \\} escaping, {@code #} starting a comment line. The
 * first matching line wins. Pure: the file is read at the edge.
 */
public final class PasswordFile {
  /** Reads a password file; empty when it does not exist or may not be used. */
  @FunctionalInterface
  public interface Reader {
    Optional<String> read(String path);

    /** No password file at all. */
    Reader NONE = path -> Optional.empty();
  }

  private PasswordFile() {}

  /** The password of the first line of {@code text} that matches the four values. */
  public static Optional<String> lookup(
      String text, String host, String port, String database, String user) {
    requireNonNull(text, "text is null");
    for (String line : text.split("\r?\n", -1)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      List<String> fields = fields(line);
      if (fields.size() < 5) {
        continue;
      }
      if (matches(fields.get(0), host)
          && matches(fields.get(1), port)
          && matches(fields.get(2), database)
          && matches(fields.get(3), user)) {
        return Optional.of(fields.get(4));
      }
    }
    return Optional.empty();
  }

  private static boolean matches(String field, String value) {
    return field.equals("*") || field.equals(value);
  }

  /** The four colon-separated fields with escapes resolved, then the rest of the line. */
  private static List<String> fields(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        current.append(line.charAt(++i));
      } else if (c == ':' && fields.size() < 4) {
        fields.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    fields.add(current.toString());
    return fields;
  }
}
