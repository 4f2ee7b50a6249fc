package dev.mzflink.pg;

import dev.mzflink.catalog.PasswordFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Reads libpq password files for the core, as libpq does: a missing file is no file, and a file
 * that group or others may access is ignored with libpq's warning.
 */
public final class PasswordFiles implements PasswordFile.Reader {
  private static final Set<PosixFilePermission> TOO_OPEN =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final PrintStream warnings;

  public PasswordFiles(PrintStream warnings) {
    this.warnings = warnings;
  }

  @Override
  public Optional<String> read(String name) {
    Path path = Path.of(name);
    if (!Files.isRegularFile(path)) {
      return Optional.empty();
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
      if (permissions.stream().anyMatch(TOO_OPEN::contains)) {
        warnings.printf(
            "WARNING: password file \"%s\" has group or world access; permissions should be u=rw (0600) or less%n",
            name);
        return Optional.empty();
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system: libpq does not check either
    }
    try {
      return Optional.of(Files.readString(path, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
