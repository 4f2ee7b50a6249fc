package dev.mzflink;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way secrets are hidden in everything mzflink prints, logs or writes down: messages on the
 * console, the log file, the status table, the source line an error points at.
 *
 * <p>Two things are hidden. Every password this process has seen (a {@link Secret}, a connection
 * string's, a JDBC URL's: see {@link #register}), wherever it appears; and, by their shape, the
 * values of passwords in the texts that carry them: {@code password=...} in libpq connection
 * strings, JDBC URLs and connector configurations printed as {@code key=value} (Debezium's {@code
 * database.password=...}), {@code 'password' = '...'} in Flink SQL, and the password of a {@code
 * postgresql://user:password@host} URI. Passwords shorter than {@link #SHORTEST_REGISTERED}
 * characters are hidden by shape only (hiding every occurrence of "ab" would garble the text).
 */
public final class Redaction {
  /** What a secret reads as wherever it is shown. */
  public static final String PLACEHOLDER = "<secret>";

  /** Registered secrets shorter than this are hidden only where their shape shows them. */
  public static final int SHORTEST_REGISTERED = 4;

  private static final Set<String> KNOWN = ConcurrentHashMap.newKeySet();

  /** Each pattern's group {@code secret} is what is hidden. */
  private static final List<Pattern> SHAPES =
      List.of(
          // libpq key=value, JDBC URL parameters, Java properties and Debezium's configuration
          // (database.password=...): a quoted value, or up to a separator.
          Pattern.compile(
              "(?i)password\\s*=\\s*(?<secret>'(?:[^'\\\\]|\\\\.)*'?|\"[^\"]*\"?|[^\\s&,;}'\")\\]]+)"),
          // Flink SQL options: 'password' = '...', 'debezium.database.password' = '...'.
          Pattern.compile("(?i)'[^'\\n]*password'\\s*=\\s*'(?<secret>(?:[^']|'')*)"),
          // A URI's user information: postgresql://user:password@host.
          Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://[^:/@\\s]*:(?<secret>[^@\\s/]+)@"));

  private Redaction() {}

  /**
   * Remembers a password this process uses, so that it is hidden wherever it appears from now on.
   * Called wherever a password enters: {@link Secret}, connection strings, connections opened.
   */
  public static void register(String secret) {
    // A password inside the placeholder ("secret") would garble text already hidden: it is hidden
    // by shape only.
    if (secret != null && secret.length() >= SHORTEST_REGISTERED && !PLACEHOLDER.contains(secret)) {
      KNOWN.add(secret);
    }
  }

  /** Remembers the passwords in a URL ({@code password=} parameters, a URI's user information). */
  public static void registerUrl(String url) {
    if (url == null) {
      return;
    }
    for (Pattern shape : SHAPES) {
      Matcher m = shape.matcher(url);
      while (m.find()) {
        register(unquote(m.group("secret")));
      }
    }
  }

  private static String unquote(String value) {
    if (value.length() >= 2
        && (value.startsWith("'") && value.endsWith("'")
            || value.startsWith("\"") && value.endsWith("\""))) {
      return value.substring(1, value.length() - 1);
    }
    return value;
  }

  /** {@code text} with every secret hidden. */
  public static String text(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    return apply(text, ranges(text), 0).text();
  }

  /** A JDBC URL with the value of any {@code password=} parameter (and every secret) hidden. */
  public static String url(String url) {
    return text(url);
  }

  /** {@code text} with every occurrence of {@code secret} replaced (nothing for an empty one). */
  public static String hide(String text, Secret secret) {
    return secret.isEmpty() ? text(text) : text(text.replace(secret.value(), PLACEHOLDER));
  }

  /**
   * A line of text with its secrets hidden, and where a 1-based {@code column} of the original line
   * is in it (at the placeholder when the column pointed inside a secret), so that a caret under
   * the line still points at the same thing.
   */
  public static Line line(String line, int column) {
    return apply(line, ranges(line), column);
  }

  /**
   * A line with secrets hidden and a column in it.
   *
   * @param text the line
   * @param column 1-based
   */
  public record Line(String text, int column) {}

  private static Line apply(String text, List<int[]> ranges, int column) {
    if (ranges.isEmpty()) {
      return new Line(text, column);
    }
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    int index = column - 1;
    int shifted = index;
    for (int[] r : ranges) {
      out.append(text, at, r[0]);
      if (index >= r[1]) {
        shifted += PLACEHOLDER.length() - (r[1] - r[0]);
      } else if (index >= r[0]) {
        shifted = out.length();
      }
      out.append(PLACEHOLDER);
      at = r[1];
    }
    out.append(text, at, text.length());
    return new Line(out.toString(), shifted + 1);
  }

  /** The ranges of {@code text} to hide, sorted and merged. */
  private static List<int[]> ranges(String text) {
    List<int[]> found = new ArrayList<>();
    for (Pattern shape : SHAPES) {
      Matcher m = shape.matcher(text);
      while (m.find()) {
        if (m.end("secret") > m.start("secret")
            && !unquote(m.group("secret")).equals(PLACEHOLDER)) {
          found.add(new int[] {m.start("secret"), m.end("secret")});
        }
      }
    }
    for (String secret : KNOWN) {
      for (int i = text.indexOf(secret); i >= 0; i = text.indexOf(secret, i + secret.length())) {
        found.add(new int[] {i, i + secret.length()});
      }
    }
    if (found.isEmpty()) {
      return found;
    }
    found.sort((a, b) -> a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(b[1], a[1]));
    List<int[]> merged = new ArrayList<>();
    int[] current = found.get(0).clone();
    for (int[] r : found.subList(1, found.size())) {
      if (r[0] <= current[1]) {
        current[1] = Math.max(current[1], r[1]);
      } else {
        merged.add(current);
        current = r.clone();
      }
    }
    merged.add(current);
    return merged;
  }
}
