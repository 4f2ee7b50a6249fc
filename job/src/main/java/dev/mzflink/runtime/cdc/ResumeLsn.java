package dev.mzflink.runtime.cdc;

/** PostgreSQL's text form of a WAL position. */
public final class ResumeLsn {
  private ResumeLsn() {}

  public static String text(long lsn) {
    return String.format("%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
  }
}
