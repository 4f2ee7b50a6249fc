package dev.mzflink.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * SSL for a test server: a self-signed certificate for localhost and 127.0.0.1 (test resources
 * ssl/server.crt and ssl/server.key, valid for a century), copied where PostgreSQL accepts the key
 * (mode 0600).
 */
public final class TestSsl {
  private TestSsl() {}

  /** Server settings that turn SSL on; plain connections keep working too. */
  public static Map<String, String> serverSettings() {
    try {
      // deleteOnExit deletes in reverse order of registration: the files, then their directory.
      Path dir = Files.createTempDirectory("mzflink-ssl");
      dir.toFile().deleteOnExit();
      Path certificate = copy("ssl/server.crt", dir.resolve("server.crt"));
      certificate.toFile().deleteOnExit();
      Path key = copy("ssl/server.key", dir.resolve("server.key"));
      key.toFile().deleteOnExit();
      Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
      return Map.of(
          "ssl", "on", "ssl_cert_file", certificate.toString(), "ssl_key_file", key.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path copy(String resource, Path to) throws IOException {
    try (InputStream in = TestSsl.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
    }
    return to;
  }
}
