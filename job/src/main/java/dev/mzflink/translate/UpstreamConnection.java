package dev.mzflink.translate;

import static java.util.Objects.requireNonNull;

import dev.mzflink.Secret;
import dev.mzflink.catalog.ConnectionInfo;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * How to connect to a source's upstream database, as the plan carries it to the runtime: settled
 * once from the libpq connection string (environment defaults, password file, negotiated SSL), so
 * the runtime never parses or rebuilds it. Printing it never shows the password.
 *
 * @param host the host (or {@code hostaddr})
 * @param port the port
 * @param database the database
 * @param user the role
 * @param password the password, {@link Secret#NONE} when there is none
 * @param jdbcUrl pgjdbc's URL for it
 * @param properties pgjdbc's connection properties other than user and password (SSL settings,
 *     connect timeout, application name, options), sorted by name
 */
public record UpstreamConnection(
    String host,
    int port,
    String database,
    String user,
    Secret password,
    String jdbcUrl,
    Map<String, String> properties) {
  public UpstreamConnection {
    requireNonNull(host, "host is null");
    requireNonNull(database, "database is null");
    requireNonNull(user, "user is null");
    requireNonNull(password, "password is null");
    requireNonNull(jdbcUrl, "jdbcUrl is null");
    properties =
        Collections.unmodifiableMap(
            new TreeMap<>(requireNonNull(properties, "properties is null")));
  }

  /** The connection a libpq connection string describes. */
  public static UpstreamConnection of(ConnectionInfo info) {
    Properties given = info.jdbcProperties();
    Map<String, String> properties = new TreeMap<>();
    for (String key : given.stringPropertyNames()) {
      if (!key.equals("user") && !key.equals("password")) {
        properties.put(key, given.getProperty(key));
      }
    }
    return new UpstreamConnection(
        info.host(),
        info.port(),
        info.database(),
        info.user(),
        info.password().map(Secret::new).orElse(Secret.NONE),
        info.jdbcUrl(),
        properties);
  }

  public Optional<String> property(String key) {
    return Optional.ofNullable(properties.get(key));
  }

  /** The SSL settings among the properties, in libpq's order (sslmode first). */
  public Map<String, String> ssl() {
    Map<String, String> ssl = new java.util.LinkedHashMap<>();
    for (String key : List.of("sslmode", "sslrootcert", "sslcert", "sslkey")) {
      property(key).ifPresent(v -> ssl.put(key, v));
    }
    return ssl;
  }

  /** pgjdbc's connection properties, the password included. */
  public Properties jdbcProperties() {
    Properties p = new Properties();
    properties.forEach(p::setProperty);
    p.setProperty("user", user);
    if (!password.isEmpty()) {
      p.setProperty("password", password.value());
    }
    return p;
  }

  /** {@code host:port}, to add up what the sources of one server need. */
  public String server() {
    return host + ":" + port;
  }

  /**
   * A libpq connection string for the same server, database and user (and SSL settings), without
   * the password: fit to print in a command, libpq's environment or password file supplies it.
   */
  public String conninfo() {
    Map<String, String> values = new java.util.LinkedHashMap<>();
    values.put("host", host);
    values.put("port", Integer.toString(port));
    values.put("dbname", database);
    values.put("user", user);
    values.putAll(ssl());
    StringBuilder out = new StringBuilder();
    values.forEach(
        (key, value) -> {
          if (out.length() > 0) {
            out.append(' ');
          }
          out.append(key).append('=');
          if (value.isEmpty() || value.matches(".*[\\s'\\\\].*")) {
            out.append('\'').append(value.replace("\\", "\\\\").replace("'", "\\'")).append('\'');
          } else {
            out.append(value);
          }
        });
    return out.toString();
  }

  /** The server, database and user, for messages. */
  public String describe() {
    return String.format("%s:%d (database \"%s\", user \"%s\")", host, port, database, user);
  }
}
