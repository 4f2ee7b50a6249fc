package dev.mzflink.doctor;

import static java.util.Objects.requireNonNull;

import dev.mzflink.Redaction;
import java.util.List;
import java.util.Optional;

/**
 * One problem the doctor found.
 *
 * @param severity an error stops {@code run} and makes {@code check} exit 1; a warning does not
 * @param subject where it was found, e.g. {@code source "src" (host=db port=5432 dbname=app)}
 * @param primary what is wrong, in the style of a primary error message (lowercase, no period)
 * @param detail more about it, sentences
 * @param fix the SQL to run upstream, one statement a line, and what else to do (restart)
 */
public record Problem(
    Severity severity, String subject, String primary, Optional<String> detail, List<String> fix) {
  public enum Severity {
    ERROR,
    WARNING
  }

  public Problem {
    requireNonNull(severity, "severity is null");
    requireNonNull(subject, "subject is null");
    requireNonNull(primary, "primary is null");
    requireNonNull(detail, "detail is null");
    fix = List.copyOf(requireNonNull(fix, "fix is null"));
  }

  static Problem error(String subject, String primary, String detail, String... fix) {
    return new Problem(Severity.ERROR, subject, primary, Optional.ofNullable(detail), List.of(fix));
  }

  static Problem warning(String subject, String primary, String detail, String... fix) {
    return new Problem(
        Severity.WARNING, subject, primary, Optional.ofNullable(detail), List.of(fix));
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** The problem as the command line prints it. */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append(severity == Severity.ERROR ? "error: " : "warning: ").append(primary).append('\n');
    out.append("  in ").append(subject).append('\n');
    detail.ifPresent(
        d -> out.append("  DETAIL: ").append(d.replace("\n", "\n          ")).append('\n'));
    for (int i = 0; i < fix.size(); i++) {
      out.append(i == 0 ? "  FIX: " : "       ").append(fix.get(i)).append('\n');
    }
    return out.toString();
  }

  /** All problems, errors first, then a summary line. */
  public static String renderAll(List<Problem> problems) {
    StringBuilder out = new StringBuilder();
    problems.stream().filter(Problem::isError).forEach(p -> out.append(p.render()).append('\n'));
    problems.stream().filter(p -> !p.isError()).forEach(p -> out.append(p.render()).append('\n'));
    long errors = problems.stream().filter(Problem::isError).count();
    long warnings = problems.size() - errors;
    out.append(errors)
        .append(errors == 1 ? " error, " : " errors, ")
        .append(warnings)
        .append(warnings == 1 ? " warning" : " warnings");
    return Redaction.text(out.toString());
  }
}
