package dev.mzflink;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * An error the user can act on: bad SQL, a failed prerequisite, an unreachable server. Never
 * carries a stack trace to the user. The primary message is lowercase without a final period,
 * identifiers in double quotes; detail and hint are sentences, and the hint says what to run.
 */
public final class UserError extends RuntimeException {
  private final String primary;
  private final Optional<String> detail;
  private final Optional<String> hint;
  private final Optional<SourcePosition> position;

  public UserError(
      String primary,
      Optional<String> detail,
      Optional<String> hint,
      Optional<SourcePosition> position) {
    super(primary);
    this.primary = requireNonNull(primary, "primary is null");
    this.detail = requireNonNull(detail, "detail is null");
    this.hint = requireNonNull(hint, "hint is null");
    this.position = requireNonNull(position, "position is null");
  }

  public static UserError of(String primary) {
    return new UserError(primary, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public static UserError at(SourcePosition position, String primary) {
    return new UserError(primary, Optional.empty(), Optional.empty(), Optional.of(position));
  }

  public UserError withDetail(String text) {
    return new UserError(primary, Optional.of(text), hint, position);
  }

  public UserError withHint(String text) {
    return new UserError(primary, detail, Optional.of(text), position);
  }

  public UserError withPosition(SourcePosition at) {
    return new UserError(primary, detail, hint, Optional.of(at));
  }

  public String primary() {
    return primary;
  }

  public Optional<String> detail() {
    return detail;
  }

  public Optional<String> hint() {
    return hint;
  }

  public Optional<SourcePosition> position() {
    return position;
  }

  /**
   * The full message as the command line prints it: {@code line L:C: primary}, then the source line
   * with a caret when the script text is known, then detail and hint.
   */
  public String render(Optional<String> scriptText) {
    StringBuilder out = new StringBuilder();
    position.ifPresent(
        p -> out.append("line ").append(p.line()).append(':').append(p.column()).append(": "));
    out.append(Redaction.text(primary));
    if (position.isPresent() && scriptText.isPresent()) {
      // The line is the script's: a one-line script shows its connection string, password and all.
      SourcePosition p = position.get();
      Redaction.Line line = Redaction.line(p.lineText(scriptText.get()), p.column());
      out.append('\n').append(line.text()).append('\n');
      out.append(" ".repeat(Math.max(0, line.column() - 1))).append('^');
    }
    detail.ifPresent(d -> out.append("\nDETAIL: ").append(Redaction.text(d)));
    hint.ifPresent(h -> out.append("\nHINT: ").append(Redaction.text(h)));
    return out.toString();
  }
}
