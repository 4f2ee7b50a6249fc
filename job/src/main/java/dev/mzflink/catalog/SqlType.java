package dev.mzflink.catalog;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * The type of a value in a view: PostgreSQL's type (what the same SELECT returns upstream, type
 * modifier included) and the exact shape of the Flink type that carries it. The two differ where
 * PostgreSQL has no fixed shape: an unconstrained {@code numeric} is a Flink {@code DECIMAL(p, s)}
 * whose scale is the value's scale in PostgreSQL as well (sums, products, ...), or a documented
 * rounding ({@link Exactness#ROUNDED}).
 *
 * @param base the PostgreSQL base type
 * @param pgTypmod PostgreSQL's type modifier, -1 when none: what {@code format_type} shows
 * @param precision Flink's DECIMAL precision, TIMESTAMP precision or CHAR/VARCHAR length (-1:
 *     STRING); 0 when the type has none
 * @param scale Flink's DECIMAL scale; 0 otherwise
 * @param exactness for numeric values, how Flink's value relates to PostgreSQL's
 */
public record SqlType(Base base, int pgTypmod, int precision, int scale, Exactness exactness) {
  /** The PostgreSQL types views can compute with. */
  public enum Base {
    BOOL("bool", Category.BOOLEAN),
    INT2("int2", Category.NUMERIC),
    INT4("int4", Category.NUMERIC),
    INT8("int8", Category.NUMERIC),
    NUMERIC("numeric", Category.NUMERIC),
    FLOAT4("float4", Category.NUMERIC),
    FLOAT8("float8", Category.NUMERIC),
    TEXT("text", Category.STRING),
    VARCHAR("varchar", Category.STRING),
    BPCHAR("bpchar", Category.STRING),
    BYTEA("bytea", Category.OTHER),
    DATE("date", Category.DATETIME),
    TIMESTAMP("timestamp", Category.DATETIME),
    TIMESTAMPTZ("timestamptz", Category.DATETIME),
    UUID("uuid", Category.OTHER),
    JSON("json", Category.OTHER),
    JSONB("jsonb", Category.OTHER),
    /** A string literal or NULL whose type the context decides (PostgreSQL's "unknown"). */
    UNKNOWN("unknown", Category.UNKNOWN);

    private final String typname;
    private final Category category;

    Base(String typname, Category category) {
      this.typname = typname;
      this.category = category;
    }

    /** PostgreSQL's internal name ({@code pg_type.typname}). */
    public String typname() {
      return typname;
    }

    public Category category() {
      return category;
    }

    /** Rank within the numeric and date/time categories: a mix resolves to the highest. */
    public int rank() {
      return ordinal();
    }

    public boolean isInteger() {
      return this == INT2 || this == INT4 || this == INT8;
    }

    public boolean isFloat() {
      return this == FLOAT4 || this == FLOAT8;
    }

    public boolean isString() {
      return category == Category.STRING;
    }
  }

  /** PostgreSQL's type categories, as far as views need them. */
  public enum Category {
    BOOLEAN,
    NUMERIC,
    STRING,
    DATETIME,
    OTHER,
    UNKNOWN
  }

  /** How a numeric value in Flink relates to PostgreSQL's value. */
  public enum Exactness {
    /** The same value, with the same display scale in PostgreSQL ({@code 1.50} prints as 1.50). */
    EXACT,
    /**
     * The same value; PostgreSQL may print it with fewer decimals (a CASE of {@code 1.5} and {@code
     * 2.25} is DECIMAL(3, 2) in Flink, while PostgreSQL keeps each value's own scale).
     */
    MIXED_SCALE,
    /**
     * Rounded half away from zero to {@code scale} decimals, where PostgreSQL computes at least 16
     * significant digits: the results of {@code avg} and of numeric division. Such values may be
     * selected, but not computed with.
     */
    ROUNDED
  }

  public SqlType {
    requireNonNull(base, "base is null");
    requireNonNull(exactness, "exactness is null");
  }

  public static final int MAX_DECIMAL_PRECISION = 38;

  /** The scale mzflink rounds averages and numeric quotients to (at least). */
  public static final int MIN_ROUNDED_SCALE = 6;

  public static final SqlType BOOL = of(Base.BOOL);
  public static final SqlType INT2 = of(Base.INT2);
  public static final SqlType INT4 = of(Base.INT4);
  public static final SqlType INT8 = of(Base.INT8);
  public static final SqlType FLOAT4 = of(Base.FLOAT4);
  public static final SqlType FLOAT8 = of(Base.FLOAT8);
  public static final SqlType TEXT = new SqlType(Base.TEXT, -1, -1, 0, Exactness.EXACT);
  public static final SqlType DATE = of(Base.DATE);
  public static final SqlType UNKNOWN = new SqlType(Base.UNKNOWN, -1, -1, 0, Exactness.EXACT);

  private static SqlType of(Base base) {
    return new SqlType(base, -1, 0, 0, Exactness.EXACT);
  }

  /** An unconstrained numeric carried as DECIMAL(precision, scale). */
  public static SqlType numeric(int precision, int scale, Exactness exactness) {
    return new SqlType(Base.NUMERIC, -1, precision, scale, exactness);
  }

  /** {@code numeric(precision, scale)} as declared. */
  public static SqlType declaredNumeric(int precision, int scale) {
    return new SqlType(
        Base.NUMERIC, ((precision << 16) | scale) + 4, precision, scale, Exactness.EXACT);
  }

  /** timestamp or timestamptz with PostgreSQL's type modifier and Flink's precision. */
  public static SqlType timestamp(boolean withTimeZone, int pgTypmod, int precision) {
    return new SqlType(
        withTimeZone ? Base.TIMESTAMPTZ : Base.TIMESTAMP, pgTypmod, precision, 0, Exactness.EXACT);
  }

  /** The type of an upstream column, or empty when views cannot compute with it. */
  public static Optional<SqlType> ofColumn(PgType type) {
    if (!type.isBuiltin() || type.kind() != PgType.Kind.BASE) {
      return Optional.empty();
    }
    return switch (type.name()) {
      case "bool" -> Optional.of(BOOL);
      case "int2" -> Optional.of(INT2);
      case "int4" -> Optional.of(INT4);
      case "int8" -> Optional.of(INT8);
      case "float4" -> Optional.of(FLOAT4);
      case "float8" -> Optional.of(FLOAT8);
      case "numeric" ->
          type.numericPrecision().isPresent()
                  && type.numericScale().isPresent()
                  && type.numericScale().get() >= 0
              ? Optional.of(
                  declaredNumeric(type.numericPrecision().get(), type.numericScale().get()))
              : Optional.empty();
      case "text" -> Optional.of(TEXT);
      case "varchar" ->
          Optional.of(new SqlType(Base.VARCHAR, type.typmod(), -1, 0, Exactness.EXACT));
      case "bpchar" -> Optional.of(new SqlType(Base.BPCHAR, type.typmod(), -1, 0, Exactness.EXACT));
      case "bytea" -> Optional.of(of(Base.BYTEA));
      case "date" -> Optional.of(DATE);
      case "timestamp" -> Optional.of(timestamp(false, type.typmod(), type.secondsPrecision()));
      case "timestamptz" -> Optional.of(timestamp(true, type.typmod(), type.secondsPrecision()));
      case "uuid" -> Optional.of(new SqlType(Base.UUID, -1, -1, 0, Exactness.EXACT));
      case "json" -> Optional.of(new SqlType(Base.JSON, -1, -1, 0, Exactness.EXACT));
      case "jsonb" -> Optional.of(new SqlType(Base.JSONB, -1, -1, 0, Exactness.EXACT));
      default -> Optional.empty();
    };
  }

  /**
   * The same type without PostgreSQL's type modifier (what aggregates and most functions return).
   */
  public SqlType withoutTypmod() {
    return new SqlType(base, -1, precision, scale, exactness);
  }

  public SqlType withExactness(Exactness e) {
    return new SqlType(base, pgTypmod, precision, scale, e);
  }

  public boolean isRounded() {
    return base == Base.NUMERIC && exactness == Exactness.ROUNDED;
  }

  /** The declared numeric precision, when the type modifier gives one. */
  public Optional<Integer> declaredPrecision() {
    return base == Base.NUMERIC && pgTypmod >= 4
        ? Optional.of(((pgTypmod - 4) >> 16) & 0xffff)
        : Optional.empty();
  }

  /** The declared numeric scale, when the type modifier gives one. */
  public Optional<Integer> declaredScale() {
    return base == Base.NUMERIC && pgTypmod >= 4
        ? Optional.of((pgTypmod - 4) & 0xffff)
        : Optional.empty();
  }

  /** The declared character length of varchar(n) and char(n). */
  public Optional<Integer> declaredLength() {
    return (base == Base.VARCHAR || base == Base.BPCHAR) && pgTypmod >= 4
        ? Optional.of(pgTypmod - 4)
        : Optional.empty();
  }

  /** The type as PostgreSQL's {@code format_type} prints it. */
  public String pgName() {
    return switch (base) {
      case BOOL -> "boolean";
      case INT2 -> "smallint";
      case INT4 -> "integer";
      case INT8 -> "bigint";
      case NUMERIC ->
          declaredPrecision()
              .map(p -> "numeric(" + p + "," + declaredScale().get() + ")")
              .orElse("numeric");
      case FLOAT4 -> "real";
      case FLOAT8 -> "double precision";
      case TEXT, UNKNOWN -> "text";
      case VARCHAR ->
          declaredLength().map(n -> "character varying(" + n + ")").orElse("character varying");
      case BPCHAR -> declaredLength().map(n -> "character(" + n + ")").orElse("bpchar");
      case BYTEA -> "bytea";
      case DATE -> "date";
      case TIMESTAMP ->
          (pgTypmod >= 0 ? "timestamp(" + pgTypmod + ")" : "timestamp") + " without time zone";
      case TIMESTAMPTZ ->
          (pgTypmod >= 0 ? "timestamp(" + pgTypmod + ")" : "timestamp") + " with time zone";
      case UUID -> "uuid";
      case JSON -> "json";
      case JSONB -> "jsonb";
    };
  }

  /**
   * The column type of a results table holding these values: PostgreSQL's type, except that rounded
   * numerics say how they are rounded ({@code numeric(38,6)}).
   */
  public String resultsColumnType() {
    return isRounded() ? "numeric(" + precision + "," + scale + ")" : pgName();
  }

  /** The Flink SQL type carrying these values. */
  public String flinkType() {
    return switch (base) {
      case BOOL -> "BOOLEAN";
      case INT2 -> "SMALLINT";
      case INT4 -> "INT";
      case INT8 -> "BIGINT";
      case NUMERIC -> "DECIMAL(" + precision + ", " + scale + ")";
      case FLOAT4 -> "FLOAT";
      case FLOAT8 -> "DOUBLE";
      case TEXT, UNKNOWN, UUID, JSON, JSONB -> "STRING";
      case VARCHAR -> precision < 0 ? "STRING" : "VARCHAR(" + precision + ")";
      case BPCHAR -> precision < 0 ? "STRING" : "CHAR(" + precision + ")";
      case BYTEA -> "BYTES";
      case DATE -> "DATE";
      case TIMESTAMP -> "TIMESTAMP(" + precision + ")";
      case TIMESTAMPTZ -> "TIMESTAMP_LTZ(" + precision + ")";
    };
  }

  @Override
  public String toString() {
    return pgName()
        + "/"
        + flinkType()
        + (base == Base.NUMERIC && exactness != Exactness.EXACT ? "/" + exactness : "");
  }
}
