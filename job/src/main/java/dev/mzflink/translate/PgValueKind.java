package dev.mzflink.translate;

/**
 * How an upstream value travels through Flink: which Flink type carries it and how the runtime
 * turns what the connector or JDBC hands over into that Flink value. Every supported PostgreSQL
 * type maps to one kind ({@link FlinkTypes#carried}); domains take their base type's kind.
 */
public enum PgValueKind {
  /** bool: BOOLEAN. */
  BOOLEAN(false),
  /** int2: SMALLINT. */
  INT2(false),
  /** int4: INT. */
  INT4(false),
  /** int8: BIGINT. */
  INT8(false),
  /** oid (unsigned 32 bits): BIGINT. */
  OID(false),
  /** float4: FLOAT, NaN and infinities included. */
  FLOAT4(false),
  /** float8: DOUBLE, NaN and infinities included. */
  FLOAT8(false),
  /**
   * numeric(p, s) with 1 &lt;= p &lt;= 38 and 0 &lt;= s &lt;= p: DECIMAL(p, s). NaN stops the job.
   */
  NUMERIC(true),
  /** Every other numeric: STRING holding PostgreSQL's text ({@code 1.50}, {@code NaN}). */
  NUMERIC_TEXT(true),
  /**
   * text, varchar, bpchar, name, json, jsonb, uuid, inet, cidr, macaddr and enums: STRING holding
   * PostgreSQL's text of the value.
   */
  TEXT(false),
  /** bytea: BYTES. */
  BYTEA(false),
  /** date: DATE; ±infinity as the days {@link Integer#MAX_VALUE} and {@link Integer#MIN_VALUE}. */
  DATE(true),
  /** time: STRING {@code HH:MM:SS[.ffffff]} (24:00:00 included; Flink's TIME has milliseconds). */
  TIME(true),
  /**
   * timetz: STRING {@code HH:MM:SS[.ffffff]+HH[:MM]} as PostgreSQL prints it, the offset kept
   * (PostgreSQL compares it) and 24:00:00 included.
   */
  TIMETZ(true),
  /** timestamp(p): TIMESTAMP(p); ±infinity as instants beyond PostgreSQL's range. */
  TIMESTAMP(true),
  /** timestamptz(p): TIMESTAMP_LTZ(p); ±infinity as instants beyond PostgreSQL's range. */
  TIMESTAMPTZ(true),
  /** interval: STRING in PostgreSQL's output style {@code 1 year 2 mons -3 days +04:05:06.789}. */
  INTERVAL(true),
  /** A one-dimensional array: STRING holding PostgreSQL's array text, elements normalized. */
  ARRAY(true);

  private final boolean convertedFromText;

  PgValueKind(boolean convertedFromText) {
    this.convertedFromText = convertedFromText;
  }

  /**
   * Whether mzflink converts the value itself (in {@code mzflink run}: from the connector's raw
   * value and from JDBC text) instead of leaving it to Flink CDC's converters, which lose
   * infinities, NaN, BC dates, microseconds of time and interval seconds, or whole arrays.
   */
  public boolean convertedFromText() {
    return convertedFromText;
  }
}
