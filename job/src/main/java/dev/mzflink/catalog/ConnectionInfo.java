package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import dev.mzflink.Redaction;
import dev.mzflink.UserError;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A libpq connection string, parsed: the {@code key=value} form (values optionally single-quoted,
 * backslash escapes) and the {@code postgresql://} / {@code postgres://} URI form. Pure: defaults
 * from the environment are applied by {@link #withDefaults}, given the environment as data.
 */
public final class ConnectionInfo {
  /** The keywords a replication client needs; any other keyword is an error. */
  public static final List<String> KEYWORDS =
      List.of(
          "host",
          "hostaddr",
          "port",
          "dbname",
          "user",
          "password",
          "passfile",
          "sslmode",
          "sslrootcert",
          "sslcert",
          "sslkey",
          "connect_timeout",
          "application_name",
          "options");

  private static final List<String> SSL_MODES =
      List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  private final Map<String, String> values;

  private ConnectionInfo(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    Redaction.register(values.get("password"));
  }

  public static ConnectionInfo of(Map<String, String> values) {
    requireNonNull(values, "values is null");
    values.forEach(ConnectionInfo::check);
    return new ConnectionInfo(values);
  }

  /** Parses a libpq connection string in either form. */
  public static ConnectionInfo parse(String text) {
    requireNonNull(text, "text is null");
    String trimmed = text.strip();
    Map<String, String> values =
        trimmed.startsWith("postgresql://") || trimmed.startsWith("postgres://")
            ? parseUri(trimmed)
            : parseKeywordValue(text);
    values.forEach(ConnectionInfo::check);
    return new ConnectionInfo(values);
  }

  private static void check(String key, String value) {
    if (!KEYWORDS.contains(key)) {
      throw UserError.of(String.format("invalid connection option \"%s\"", key))
          .withDetail("Valid options are: " + String.join(", ", KEYWORDS) + ".");
    }
    if (key.equals("sslmode") && !SSL_MODES.contains(value)) {
      throw UserError.of(String.format("invalid sslmode value: \"%s\"", value))
          .withDetail("Valid values are: " + String.join(", ", SSL_MODES) + ".");
    }
    if (key.equals("port") || key.equals("connect_timeout")) {
      try {
        int n = Integer.parseInt(value);
        if (n < 0 || (key.equals("port") && (n < 1 || n > 65535))) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw UserError.of(
            String.format("invalid integer value \"%s\" for connection option \"%s\"", value, key));
      }
    }
  }

  private static Map<String, String> parseKeywordValue(String text) {
    Map<String, String> values = new LinkedHashMap<>();
    int i = 0;
    int n = text.length();
    while (true) {
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i >= n) {
        return values;
      }
      int keyStart = i;
      while (i < n && text.charAt(i) != '=' && !Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      String key = text.substring(keyStart, i);
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i >= n || text.charAt(i) != '=') {
        throw UserError.of(
            String.format("missing \"=\" after \"%s\" in connection info string", key));
      }
      i++;
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      StringBuilder value = new StringBuilder();
      if (i < n && text.charAt(i) == '\'') {
        i++;
        while (true) {
          if (i >= n) {
            throw UserError.of("unterminated quoted string in connection info string");
          }
          char c = text.charAt(i);
          if (c == '\\' && i + 1 < n) {
            value.append(text.charAt(i + 1));
            i += 2;
          } else if (c == '\'') {
            i++;
            break;
          } else {
            value.append(c);
            i++;
          }
        }
      } else {
        while (i < n && !Character.isWhitespace(text.charAt(i))) {
          char c = text.charAt(i);
          if (c == '\\' && i + 1 < n) {
            value.append(text.charAt(i + 1));
            i += 2;
          } else {
            value.append(c);
            i++;
          }
        }
      }
      values.put(key, value.toString());
    }
  }

  private static Map<String, String> parseUri(String uri) {
    Map<String, String> values = new LinkedHashMap<>();
    String rest = uri.substring(uri.indexOf("://") + 3);
    String query = null;
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    String path = null;
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      path = rest.substring(slash + 1);
      rest = rest.substring(0, slash);
    }
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        putNonEmpty(values, "user", decode(userInfo.substring(0, colon)));
        values.put("password", decode(userInfo.substring(colon + 1)));
      } else {
        putNonEmpty(values, "user", decode(userInfo));
      }
    }
    if (!rest.isEmpty()) {
      if (rest.contains(",")) {
        throw UserError.of("connection URIs with several hosts are not supported")
            .withHint("Name the primary server only: logical replication reads from the primary.");
      }
      String host = rest;
      String port = null;
      if (rest.startsWith("[")) {
        int close = rest.indexOf(']');
        if (close < 0) {
          throw UserError.of(
              String.format("invalid connection URI \"%s\": missing \"]\" in IPv6 host", uri));
        }
        host = rest.substring(1, close);
        if (close + 1 < rest.length() && rest.charAt(close + 1) == ':') {
          port = rest.substring(close + 2);
        }
      } else {
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
          host = rest.substring(0, colon);
          port = rest.substring(colon + 1);
        }
      }
      putNonEmpty(values, "host", decode(host));
      if (port != null) {
        putNonEmpty(values, "port", decode(port));
      }
    }
    if (path != null) {
      putNonEmpty(values, "dbname", decode(path));
    }
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        if (eq < 0) {
          throw UserError.of(
              String.format(
                  "missing key/value separator \"=\" in URI query parameter: \"%s\"", pair));
        }
        values.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
    }
    return values;
  }

  private static void putNonEmpty(Map<String, String> values, String key, String value) {
    if (!value.isEmpty()) {
      values.put(key, value);
    }
  }

  private static String decode(String s) {
    try {
      // URLDecoder turns '+' into a space; percent-encoding is what libpq decodes.
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw UserError.of(String.format("invalid percent-encoded token: \"%s\"", s));
    }
  }

  /**
   * Fills what the string leaves out from libpq's environment variables ({@code PGHOST}, {@code
   * PGPORT}, {@code PGDATABASE}, {@code PGUSER}, {@code PGPASSWORD}, {@code PGSSLMODE}, ...) and
   * then libpq's defaults (host localhost, port 5432, user and dbname from the OS user).
   */
  public ConnectionInfo withDefaults(Map<String, String> environment, String osUser) {
    Map<String, String> result = new LinkedHashMap<>(values);
    Map<String, String> envNames =
        Map.ofEntries(
            Map.entry("host", "PGHOST"),
            Map.entry("hostaddr", "PGHOSTADDR"),
            Map.entry("port", "PGPORT"),
            Map.entry("dbname", "PGDATABASE"),
            Map.entry("user", "PGUSER"),
            Map.entry("password", "PGPASSWORD"),
            Map.entry("passfile", "PGPASSFILE"),
            Map.entry("sslmode", "PGSSLMODE"),
            Map.entry("sslrootcert", "PGSSLROOTCERT"),
            Map.entry("sslcert", "PGSSLCERT"),
            Map.entry("sslkey", "PGSSLKEY"),
            Map.entry("connect_timeout", "PGCONNECT_TIMEOUT"),
            Map.entry("application_name", "PGAPPNAME"),
            Map.entry("options", "PGOPTIONS"));
    for (String key : KEYWORDS) {
      String env = environment.get(envNames.get(key));
      if (!result.containsKey(key) && env != null && !env.isEmpty()) {
        result.put(key, env);
      }
    }
    result.putIfAbsent("host", "localhost");
    result.putIfAbsent("port", "5432");
    result.putIfAbsent("user", osUser);
    result.putIfAbsent("dbname", result.get("user"));
    return of(result);
  }

  /**
   * Fills a missing password from libpq's password file as libpq does: the file named by {@code
   * passfile} (or {@code PGPASSFILE}, applied by {@link #withDefaults}), else {@code
   * $HOME/.pgpass}; the first line matching host (or hostaddr; {@code localhost} for none or a
   * socket directory), port, database and user. A password given in the string or in {@code
   * PGPASSWORD} wins.
   */
  public ConnectionInfo withPasswordFile(
      PasswordFile.Reader reader, Map<String, String> environment) {
    if (password().filter(p -> !p.isEmpty()).isPresent()) {
      return this;
    }
    Optional<String> path =
        get("passfile")
            .filter(p -> !p.isEmpty())
            .or(() -> Optional.ofNullable(environment.get("HOME")).map(home -> home + "/.pgpass"));
    if (path.isEmpty()) {
      return this;
    }
    String host =
        get("host").filter(h -> !h.isEmpty()).or(() -> get("hostaddr")).orElse("localhost");
    if (host.startsWith("/")) {
      host = "localhost";
    }
    String lookupHost = host;
    return reader
        .read(path.get())
        .flatMap(
            text ->
                PasswordFile.lookup(text, lookupHost, Integer.toString(port()), database(), user()))
        .map(this::withPassword)
        .orElse(this);
  }

  /**
   * The connection with {@code sslmode} settled by what the first connection negotiated. libpq's
   * {@code prefer} (its default) and {@code allow} fall back between SSL and plain connections,
   * which the replication client (Debezium: disable, require, verify-ca, verify-full) cannot do: so
   * the replication connections use SSL exactly when introspection did. Absent and unencrypted
   * stays absent (Debezium's default is to disable SSL); the other modes are kept as given.
   */
  public ConnectionInfo withNegotiatedSsl(boolean encrypted) {
    Optional<String> mode = get("sslmode");
    if (mode.isPresent() && !mode.get().equals("prefer") && !mode.get().equals("allow")) {
      return this;
    }
    if (mode.isEmpty() && !encrypted) {
      return this;
    }
    Map<String, String> result = new LinkedHashMap<>(values);
    result.put("sslmode", encrypted ? "require" : "disable");
    return new ConnectionInfo(result);
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  public String host() {
    return get("hostaddr").or(() -> get("host")).orElse("localhost");
  }

  public int port() {
    return Integer.parseInt(get("port").orElse("5432"));
  }

  public String user() {
    return get("user").orElseThrow(() -> UserError.of("the connection string names no user"));
  }

  public String database() {
    return get("dbname").orElse(user());
  }

  public Optional<String> password() {
    return get("password");
  }

  public ConnectionInfo withPassword(String password) {
    Map<String, String> result = new LinkedHashMap<>(values);
    result.put("password", password);
    return new ConnectionInfo(result);
  }

  public Map<String, String> values() {
    return values;
  }

  /** A JDBC URL for pgjdbc; credentials and options go in {@link #jdbcProperties()}. */
  public String jdbcUrl() {
    String host = host().contains(":") ? "[" + host() + "]" : host();
    return "jdbc:postgresql://" + host + ":" + port() + "/" + urlEncode(database());
  }

  private static String urlEncode(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** pgjdbc connection properties equivalent to the libpq keywords given. */
  public java.util.Properties jdbcProperties() {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", user());
    password().ifPresent(pw -> p.setProperty("password", pw));
    get("sslmode").ifPresent(v -> p.setProperty("sslmode", v));
    get("sslrootcert").ifPresent(v -> p.setProperty("sslrootcert", v));
    get("sslcert").ifPresent(v -> p.setProperty("sslcert", v));
    get("sslkey").ifPresent(v -> p.setProperty("sslkey", v));
    get("connect_timeout").ifPresent(v -> p.setProperty("connectTimeout", v));
    p.setProperty("ApplicationName", get("application_name").orElse("mzflink"));
    get("options").ifPresent(v -> p.setProperty("options", v));
    return p;
  }

  /** The connection string with the password replaced, fit to print. */
  public String redacted() {
    StringBuilder out = new StringBuilder();
    values.forEach(
        (k, v) -> {
          if (out.length() > 0) {
            out.append(' ');
          }
          out.append(k).append('=');
          String shown = k.equals("password") ? Redaction.PLACEHOLDER : v;
          if (shown.isEmpty() || shown.matches(".*[\\s'\\\\].*")) {
            out.append('\'').append(shown.replace("\\", "\\\\").replace("'", "\\'")).append('\'');
          } else {
            out.append(shown);
          }
        });
    return out.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConnectionInfo other && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return redacted();
  }
}
