package dev.mzflink;

/** A position in a script: 1-based line and column, and the 0-based character offset. */
public record SourcePosition(int offset, int line, int column) {
  public SourcePosition {
    if (offset < 0 || line < 1 || column < 1) {
      throw new IllegalArgumentException("bad position " + offset + " " + line + ":" + column);
    }
  }

  /** The text of this position's line in {@code script}, without its line terminator. */
  public String lineText(String script) {
    int at = Math.min(offset, script.length());
    int start = at == 0 ? 0 : script.lastIndexOf('\n', at - 1) + 1;
    int end = script.indexOf('\n', at);
    if (end < 0) {
      end = script.length();
    }
    String line = script.substring(start, end);
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
