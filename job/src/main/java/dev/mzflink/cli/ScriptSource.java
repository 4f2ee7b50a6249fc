package dev.mzflink.cli;

import dev.mzflink.UserError;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Where a command's script comes from: a file, or the text itself with {@code -e} (for places that
 * run mzflink without a file at hand, such as the Flink Kubernetes operator, which runs the job
 * jar's main class to build a session job).
 */
final class ScriptSource {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SCRIPT",
      description = "The Materialize SQL script.")
  Optional<Path> file = Optional.empty();

  @Option(
      names = {"-e", "--execute"},
      paramLabel = "SQL",
      description = "The script's text, instead of a SCRIPT file.")
  Optional<String> text = Optional.empty();

  /** The script's text. */
  String read() {
    if (file.isPresent() == text.isPresent()) {
      throw UserError.of("give a SCRIPT file or the script's text with -e, not both or neither");
    }
    if (text.isPresent()) {
      Errors.script(text.get());
      return text.get();
    }
    return ScriptFiles.read(file.get());
  }

  /** The script's name, for messages and job names. */
  String name() {
    return file.map(f -> f.getFileName().toString()).orElse("script");
  }
}
