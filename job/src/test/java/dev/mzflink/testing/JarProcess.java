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
      throw new IllegalStateException(jar + " does not exist: run mvn verify (the jar is built before the integration tests)");
    }
    return jar;
  }

  public static JarProcess start(Path workingDirectory, String... args) throws IOException {
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
    return new JarProcess(builder.start(), out, err);
  }

  /** Runs to completion and returns the exit code. */
  public int waitFor(long seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("mzflink did not exit within " + seconds + " s; stdout:\n" + stdout() + "\nstderr:\n" + stderr());
    }
    return process.exitValue();
  }

  /** Sends SIGINT, as Ctrl-C does. */
  public void interrupt() throws Exception {
    new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start().waitFor();
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
      process.destroyForcibly();
    }
  }
}
