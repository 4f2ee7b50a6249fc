package dev.mzflink.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the built {@code mzflink.jar} as a user would, in its own JVM. */
public final class JarProcess implements AutoCloseable {
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private JarProcess(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  public static Path jar() {
    Path jar = Path.of(System.getProperty("mzflink.jar", "target/mzflink.jar"));
    if (!Files.exists(jar)) {
      throw new IllegalStateException(
          jar + " does not exist: run mvn verify (the jar is built before the integration tests)");
    }
    return jar;
  }

  public static JarProcess start(Path workingDirectory, String... args) throws IOException {
    return start(workingDirectory, java.util.Map.of(), args);
  }

  /** Starts mzflink with {@code environment} added to this process's environment. */
  public static JarProcess start(
      Path workingDirectory, java.util.Map<String, String> environment, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.add("-jar");
    command.add(jar().toAbsolutePath().toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile(workingDirectory, "stdout", ".txt");
    Path err = Files.createTempFile(workingDirectory, "stderr", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workingDirectory.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().put("MZFLINK_LOG_DIR", workingDirectory.resolve("log").toString());
    builder.environment().remove("PGPASSWORD");
    builder.environment().putAll(environment);
    return new JarProcess(builder.start(), out, err);
  }

  /** Runs to completion and returns the exit code. */
  public int waitFor(long seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      String threads = threadDump();
      process.destroyForcibly();
      throw new AssertionError(
          "mzflink did not exit within "
              + seconds
              + " s; stdout:\n"
              + stdout()
              + "\nstderr:\n"
              + stderr()
              + "\nthreads:\n"
              + threads);
    }
    return process.exitValue();
  }

  /** The process's threads (jcmd Thread.print), to tell why it hangs. */
  private String threadDump() {
    try {
      Process jcmd =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  Long.toString(process.pid()),
                  "Thread.print")
              .redirectErrorStream(true)
              .start();
      String dump =
          new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      jcmd.waitFor(30, TimeUnit.SECONDS);
      return dump;
    } catch (IOException | InterruptedException e) {
      return "(no thread dump: " + e + ")";
    }
  }

  /** SIGKILL: the process gets no chance to clean up (its job's slots stay upstream). */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  /** Sends SIGINT, as Ctrl-C does. */
  public void interrupt() throws Exception {
    // A process started in the background of a non-interactive shell ignores SIGINT, and so do
    // its children (the JVM then cannot handle it): send SIGTERM, which mzflink handles the same.
    String signal = sigintIgnored() ? "-TERM" : "-INT";
    new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start().waitFor();
  }

  private static boolean sigintIgnored() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1))
            != 0; // SIGINT is signal 2
      }
    }
    return false;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String stdout() throws IOException {
    return Files.readString(stdout);
  }

  public String stderr() throws IOException {
    return Files.readString(stderr);
  }

  public File logDirectory() {
    return stdout.getParent().resolve("log").toFile();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      // SIGTERM first: mzflink then cancels its job, drops its slots and (demo) stops its
      // embedded PostgreSQL, which a SIGKILL would leave running after a failed test.
      process.destroy();
      try {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
