package dev.mzflink.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordFilesTest {
  @TempDir Path dir;

  @Test
  void aPrivateFileIsReadAndAMissingOneIsNone() throws Exception {
    Path file = dir.resolve(".pgpass");
    Files.writeString(file, "*:*:*:*:pw\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PasswordFiles files = new PasswordFiles(new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(files.read(file.toString())).contains("*:*:*:*:pw\n");
    assertThat(files.read(dir.resolve("missing").toString())).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void aFileOthersCanReadIsIgnoredWithLibpqsWarning() throws Exception {
    Path file = dir.resolve(".pgpass");
    Files.writeString(file, "*:*:*:*:pw\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PasswordFiles files = new PasswordFiles(new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(files.read(file.toString())).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "WARNING: password file \""
                + file
                + "\" has group or world access; permissions should be u=rw (0600) or less\n");
  }
}
