package dev.mzflink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The clean-up of {@code mzflink-<pid>} directories in a shared temporary directory (issue 18 item
 * 6): nothing is followed through a symbolic link, only this user's real directories of dead
 * processes go, and names that are no pid are left alone without a failure.
 */
class ProcessSetupTest {
  @TempDir Path base;

  /** The pid of a process that has exited. */
  private static long deadPid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  private UserPrincipal me() throws Exception {
    return Files.getOwner(base, LinkOption.NOFOLLOW_LINKS);
  }

  @Test
  void aPlantedSymbolicLinkIsRemovedButNotWhatItPointsTo() throws Exception {
    Path victim = Files.createDirectories(base.resolve("victim"));
    Files.writeString(victim.resolve("precious.txt"), "keep me");
    long dead = deadPid();
    Path link = Files.createSymbolicLink(base.resolve("mzflink-" + dead), victim);

    ProcessSetup.removeStaleTemporaryDirectories(base, me());

    assertThat(victim.resolve("precious.txt")).hasContent("keep me");
    // A link is not this user's directory: left alone as well.
    assertThat(Files.isSymbolicLink(link)).isTrue();
  }

  @Test
  void aStaleDirectoryIsRemovedWithoutFollowingTheLinksInside() throws Exception {
    Path victim = Files.createDirectories(base.resolve("victim"));
    Files.writeString(victim.resolve("precious.txt"), "keep me");
    Path stale = Files.createDirectories(base.resolve("mzflink-" + deadPid()));
    Files.createDirectories(stale.resolve("nested"));
    Files.writeString(stale.resolve("nested/file"), "x");
    Files.createSymbolicLink(stale.resolve("link-to-victim"), victim);
    Files.createSymbolicLink(stale.resolve("nested/file-link"), victim.resolve("precious.txt"));

    ProcessSetup.removeStaleTemporaryDirectories(base, me());

    assertThat(stale).doesNotExist();
    assertThat(victim.resolve("precious.txt")).hasContent("keep me");
  }

  @Test
  void directoriesOfRunningProcessesAndOtherNamesAreLeftAlone() throws Exception {
    Path running = Files.createDirectories(base.resolve("mzflink-1"));
    Path mine = Files.createDirectories(base.resolve("mzflink-" + ProcessHandle.current().pid()));
    Path word = Files.createDirectories(base.resolve("mzflink-abc"));
    Path huge = Files.createDirectories(base.resolve("mzflink-99999999999999999999999999"));
    Path beyondLong = Files.createDirectories(base.resolve("mzflink-9999999999999999999"));
    Path suffixed = Files.createDirectories(base.resolve("mzflink-12x"));

    assertThatCode(() -> ProcessSetup.removeStaleTemporaryDirectories(base, me()))
        .doesNotThrowAnyException();

    assertThat(running).isDirectory();
    assertThat(mine).isDirectory();
    assertThat(word).isDirectory();
    assertThat(huge).isDirectory();
    assertThat(beyondLong).isDirectory();
    assertThat(suffixed).isDirectory();
  }

  @Test
  void aDirectoryOfAnotherUserIsLeftAlone() throws Exception {
    Path other = Files.createDirectories(base.resolve("mzflink-" + deadPid()));
    Files.writeString(other.resolve("theirs.txt"), "theirs");
    UserPrincipal nobody =
        base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
    // As root (these tests run as root) the directory is given to "nobody" and this user asks;
    // otherwise it stays this user's and "nobody" asks. Either way it is not the asker's.
    UserPrincipal asker;
    try {
      Files.setOwner(other, nobody);
      asker = me();
    } catch (java.io.IOException e) {
      asker = nobody;
    }

    ProcessSetup.removeStaleTemporaryDirectories(base, asker);

    assertThat(other.resolve("theirs.txt")).hasContent("theirs");
  }

  @Test
  void theOwnTemporaryDirectoryIsPrivateAndNeverAPlantedOne() throws Exception {
    Path victim = Files.createDirectories(base.resolve("victim"));
    Path planted =
        Files.createSymbolicLink(base.resolve("mzflink-" + ProcessHandle.current().pid()), victim);

    Optional<Path> mine = ProcessSetup.privateTemporaryDirectory(base);

    assertThat(mine).isPresent();
    assertThat(mine.get()).isNotEqualTo(planted);
    assertThat(Files.isSymbolicLink(mine.get())).isFalse();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mine.get())))
        .isEqualTo("rwx------");
    assertThat(victim).isEmptyDirectory();
  }

  @Test
  void theLogDirectoryIsCreatedPrivateAndItsLogsMadePrivate() throws Exception {
    Path fresh = base.resolve("fresh/log");
    ProcessSetup.secureLogDirectory(fresh);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)))
        .isEqualTo("rwx------");

    Path old = Files.createDirectories(base.resolve("old"));
    Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path log = Files.writeString(old.resolve("mzflink-run.log"), "old lines");
    Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rw-r--r--"));
    ProcessSetup.secureLogDirectory(old);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(old)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log)))
        .isEqualTo("rw-------");
  }
}
