package dev.mzflink;

import java.util.regex.Pattern;

/** The one way secrets are hidden in everything mzflink prints, logs or writes down. */
public final class Redaction {
  /** What a secret reads as wherever it is shown. */
  public static final String PLACEHOLDER = "<secret>";

  private static final Pattern URL_PASSWORD = Pattern.compile("(?i)(password=)[^&]*");

  private Redaction() {}

  /** A JDBC URL with the value of any {@code password=} parameter replaced. */
  public static String url(String url) {
    return URL_PASSWORD.matcher(url).replaceAll("$1" + PLACEHOLDER);
  }

  /** {@code text} with every occurrence of {@code secret} replaced (nothing for an empty one). */
  public static String hide(String text, Secret secret) {
    return secret.isEmpty() ? text : text.replace(secret.value(), PLACEHOLDER);
  }
}
