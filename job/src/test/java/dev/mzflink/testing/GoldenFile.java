package dev.mzflink.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Golden files in the datadriven layout Materialize uses: a directive line, the input, a line
 * {@code ----}, the expected output, then a blank line. Output that contains blank lines is fenced
 * by {@code ----} twice before and after. Lines starting with {@code #} between cases are comments.
 * With {@code -Dgolden.rewrite=true} the file is rewritten with the actual output.
 */
public final class GoldenFile {
  /** One case: the directive (e.g. "parse"), its input and the expected output. */
  public record Case(String directive, String input, String expected, int line) {}

  private GoldenFile() {}

  public static List<Case> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Case> cases = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        i++;
        continue;
      }
      int start = i + 1;
      String directive = line.trim();
      i++;
      StringBuilder input = new StringBuilder();
      while (i < lines.size() && !lines.get(i).equals("----")) {
        input.append(lines.get(i)).append('\n');
        i++;
      }
      if (i >= lines.size()) {
        throw new IllegalStateException(file + ":" + start + ": case without ----");
      }
      i++; // ----
      StringBuilder expected = new StringBuilder();
      if (i < lines.size() && lines.get(i).equals("----")) {
        i++;
        while (i + 1 < lines.size()
            && !(lines.get(i).equals("----") && lines.get(i + 1).equals("----"))) {
          expected.append(lines.get(i)).append('\n');
          i++;
        }
        i += 2;
      } else {
        while (i < lines.size() && !lines.get(i).isEmpty()) {
          expected.append(lines.get(i)).append('\n');
          i++;
        }
      }
      cases.add(new Case(directive, input.toString(), expected.toString(), start));
    }
    return cases;
  }

  /**
   * Runs every case through {@code run} (directive, input to output) and compares, or rewrites the
   * file when {@code golden.rewrite} is set.
   */
  public static void check(Path file, BiFunction<String, String, String> run) throws IOException {
    List<Case> cases = read(file);
    boolean rewrite = Boolean.getBoolean("golden.rewrite");
    StringBuilder rewritten = new StringBuilder();
    List<String> failures = new ArrayList<>();
    for (Case c : cases) {
      String actual = run.apply(c.directive(), c.input());
      if (!actual.endsWith("\n")) {
        actual = actual + "\n";
      }
      if (!actual.equals(c.expected())) {
        failures.add(
            String.format(
                "%s:%d: %s%n--- input%n%s--- expected%n%s--- actual%n%s",
                file.getFileName(), c.line(), c.directive(), c.input(), c.expected(), actual));
      }
      rewritten.append(c.directive()).append('\n').append(c.input()).append("----\n");
      if (actual.lines().anyMatch(String::isEmpty)) {
        rewritten.append("----\n").append(actual).append("----\n----\n\n");
      } else {
        rewritten.append(actual).append('\n');
      }
    }
    if (rewrite) {
      Files.writeString(file, preserveHeader(file) + rewritten, StandardCharsets.UTF_8);
      return;
    }
    assertThat(failures)
        .as("golden file " + file + " (rewrite with -Dgolden.rewrite=true)")
        .isEmpty();
  }

  /** The comment lines at the top of the file. */
  private static String preserveHeader(Path file) throws IOException {
    StringBuilder header = new StringBuilder();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith("#") || line.isBlank()) {
        header.append(line).append('\n');
      } else {
        break;
      }
    }
    return header.toString();
  }

  /** The golden file {@code name} under src/test/resources/golden. */
  public static Path path(String name) {
    return Path.of("src/test/resources/golden", name);
  }
}
