package dev.mzflink.values;

/**
 * One row of values as PostgreSQL's text of them, in UTF-8, without copies: column {@code c} is the
 * bytes {@code bytes()[offset(c) .. offset(c) + length(c))}. Rows come from a COPY text-format
 * stream ({@link CopyTextReader}) and from pgoutput tuples, and are turned into Flink rows by
 * {@link PgRowDecoder}.
 *
 * <p>A row is a view: it is valid until its source moves on (the next row, the next message).
 */
public interface TextRow {
  /** The {@link #length} of SQL NULL. */
  int NULL = -1;

  /**
   * The {@link #length} of a value the row does not carry: a TOASTed value that an update left
   * unchanged (pgoutput sends no text for it). It is not NULL; its value is the row's previous one.
   */
  int UNCHANGED = -2;

  /** The number of columns. */
  int columnCount();

  /** The bytes every column of the row lies in. */
  byte[] bytes();

  /** Where column {@code column}'s text starts in {@link #bytes()}. */
  int offset(int column);

  /**
   * The length in bytes of column {@code column}'s text, or {@link #NULL}, or {@link #UNCHANGED}.
   */
  int length(int column);
}
