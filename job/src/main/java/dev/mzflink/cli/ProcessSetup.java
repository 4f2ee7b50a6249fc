package dev.mzflink.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files a process of mzflink keeps for itself: a private temporary directory (Flink's planner
 * loader unpacks a 41 MB jar into {@code java.io.tmpdir} on every start and leaves it behind after
 * kill -9, so stale ones of dead processes are removed), and a log directory only its user can read
 * (the log holds what Flink and its connectors print, which can be sensitive).
 *
 * <p>Temporary directories live in a directory other users write to ({@code /tmp}): nothing there
 * is followed through a symbolic link, and only real directories owned by this process's user are
 * used or removed.
 */
final class ProcessSetup {
  /** {@code mzflink-<pid>}, or {@code mzflink-<pid>-<random>} when the first name was taken. */
  private static final Pattern TEMPORARY = Pattern.compile("mzflink-([0-9]{1,19})(?:-[0-9]+)?");

  static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");

  private ProcessSetup() {}

  /**
   * Creates this process's private temporary directory under {@code base} (mode 0700), then removes
   * the ones of processes that no longer run. Empty when none could be created.
   */
  static Optional<Path> privateTemporaryDirectory(Path base) {
    long pid = ProcessHandle.current().pid();
    Path mine;
    try {
      try {
        mine = Files.createDirectory(base.resolve("mzflink-" + pid), ownerOnly());
      } catch (FileAlreadyExistsException e) {
        // Left by an earlier process with the same pid, or planted: not used either way.
        mine = Files.createTempDirectory(base, "mzflink-" + pid + "-", ownerOnly());
      }
      Files.setPosixFilePermissions(mine, OWNER_ONLY_DIRECTORY);
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return Optional.empty();
    }
    try {
      removeStaleTemporaryDirectories(base, Files.getOwner(mine, LinkOption.NOFOLLOW_LINKS));
    } catch (IOException | SecurityException e) {
      // nothing removed
    }
    return Optional.of(mine);
  }

  private static FileAttribute<?>[] ownerOnly() {
    return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY)};
  }

  /**
   * Removes {@code mzflink-<pid>} directories of {@code base} whose process no longer runs, when
   * they are real directories (not symbolic links) owned by {@code owner}. Entries with other
   * names, of other users, or of running processes are left alone.
   */
  static void removeStaleTemporaryDirectories(Path base, UserPrincipal owner) {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(base, "mzflink-*")) {
      for (Path entry : entries) {
        Matcher m = TEMPORARY.matcher(entry.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        long pid;
        try {
          pid = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
          continue; // beyond any pid
        }
        if (pid == ProcessHandle.current().pid()
            || ProcessHandle.of(pid).isPresent()
            || !isDirectoryOwnedBy(entry, owner)) {
          continue;
        }
        deleteTree(entry);
      }
    } catch (IOException | SecurityException e) {
      // nothing to clean
    }
  }

  /**
   * Whether {@code path} itself (not what a link points to) is a directory owned by {@code owner}.
   */
  static boolean isDirectoryOwnedBy(Path path, UserPrincipal owner) {
    try {
      BasicFileAttributes attributes =
          Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return attributes.isDirectory()
          && !attributes.isSymbolicLink()
          && owner.equals(Files.getOwner(path, LinkOption.NOFOLLOW_LINKS));
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  /**
   * Deletes {@code root} and everything under it without following symbolic links: a link is
   * removed, never what it points to. Best effort.
   */
  static void deleteTree(Path root) {
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
              deleteQuietly(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              deleteQuietly(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
              deleteQuietly(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException | SecurityException e) {
      // best effort
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException | SecurityException e) {
      // best effort
    }
  }

  /**
   * Prepares the log directory: created with mode 0700; an existing one is made 0700 when it is a
   * real directory of this user that nobody else may write to (never a shared one such as /tmp),
   * and its log files of this user 0600. The logging configuration creates new files with mode
   * 0600.
   */
  static void secureLogDirectory(Path directory) {
    try {
      if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(
            directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
        Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
        return;
      }
      UserPrincipal me = currentUser();
      if (me == null) {
        return;
      }
      Set<PosixFilePermission> mode =
          Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS);
      if (isDirectoryOwnedBy(directory, me)
          && !mode.contains(PosixFilePermission.OTHERS_WRITE)
          && !mode.contains(PosixFilePermission.GROUP_WRITE)) {
        Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
      }
      try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "mzflink-*.log*")) {
        for (Path file : files) {
          BasicFileAttributes attributes =
              Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (attributes.isRegularFile()
              && me.equals(Files.getOwner(file, LinkOption.NOFOLLOW_LINKS))) {
            Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
          }
        }
      }
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // logging still works; the directory keeps the mode it had
    }
  }

  /** This process's user: the owner of a file it creates. */
  private static UserPrincipal currentUser() {
    String tmp = System.getProperty("java.io.tmpdir");
    try {
      Path probe = Files.createTempFile(Path.of(tmp), "mzflink-owner", ".tmp");
      try {
        return Files.getOwner(probe, LinkOption.NOFOLLOW_LINKS);
      } finally {
        Files.deleteIfExists(probe);
      }
    } catch (IOException | SecurityException e) {
      return null;
    }
  }
}
