package dev.mzflink.testing;

import dev.mzflink.UserError;
import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.catalog.PasswordFile;
import dev.mzflink.catalog.PgColumn;
import dev.mzflink.catalog.PgPublication;
import dev.mzflink.catalog.PgServerFacts;
import dev.mzflink.catalog.PgTable;
import dev.mzflink.catalog.PgTable.ReplicaIdentity;
import dev.mzflink.catalog.PgType;
import dev.mzflink.compile.CompileContext;
import dev.mzflink.compile.UpstreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fake upstream for planning and translation tests: publication {@code mz_source} holds a shop
 * (orders with a key and REPLICA IDENTITY FULL, items without a key, customers with REPLICA
 * IDENTITY DEFAULT) and tables named {@code foo} in two schemas; {@code odd_types} holds columns of
 * unsupported types; {@code reserved} holds a table in schema {@code mzflink}; {@code hostile}
 * holds a table with line breaks and SQL in its names; {@code empty} holds nothing.
 */
public final class FakeUpstream implements UpstreamReader {
  public static final FakeUpstream INSTANCE = new FakeUpstream();

  private FakeUpstream() {}

  public static PgType type(String name, String formatted) {
    return PgType.builtin(name, formatted, -1);
  }

  public static PgType numeric(int precision, int scale) {
    return PgType.builtin(
        "numeric", "numeric(" + precision + "," + scale + ")", ((precision << 16) | scale) + 4);
  }

  private static PgColumn column(String name, int position, PgType type, boolean notNull) {
    return new PgColumn(name, position, type, notNull, true);
  }

  public static PgTable orders() {
    return new PgTable(
        16401,
        "public",
        "orders",
        List.of(
            column("id", 1, type("int8", "bigint"), true),
            column("customer_id", 2, type("int4", "integer"), true),
            column("item", 3, type("text", "text"), false),
            column("price", 4, numeric(10, 2), false),
            column(
                "ordered_at",
                5,
                PgType.builtin("timestamptz", "timestamp with time zone", -1),
                false)),
        List.of("id"),
        ReplicaIdentity.FULL,
        1000);
  }

  public static PgTable items() {
    return new PgTable(
        16402,
        "public",
        "items",
        List.of(
            column("order_id", 1, type("int8", "bigint"), true),
            column("product", 2, type("varchar", "character varying(40)"), false),
            column("quantity", 3, type("int2", "smallint"), false)),
        List.of(),
        ReplicaIdentity.FULL,
        -1);
  }

  public static PgTable customers() {
    return new PgTable(
        16403,
        "public",
        "customers",
        List.of(
            column("id", 1, type("int4", "integer"), true),
            column("name", 2, type("text", "text"), true),
            column("Email", 3, type("text", "text"), false)),
        List.of("id"),
        ReplicaIdentity.DEFAULT,
        10);
  }

  private static PgTable foo(String schema, long oid) {
    return new PgTable(
        oid,
        schema,
        "foo",
        List.of(column("a", 1, type("int4", "integer"), true)),
        List.of("a"),
        ReplicaIdentity.FULL,
        0);
  }

  private static PgTable oddTypes() {
    return new PgTable(
        16500,
        "public",
        "odd_types",
        List.of(
            column("id", 1, type("int4", "integer"), true),
            column("shape", 2, type("point", "point"), false),
            column("amount", 3, PgType.builtin("numeric", "numeric", -1), false),
            column(
                "mood",
                4,
                new PgType("public", "mood", "mood", -1, PgType.Kind.ENUM, Optional.empty()),
                false)),
        List.of("id"),
        ReplicaIdentity.FULL,
        0);
  }

  /**
   * A table whose schema, name and key column carry line breaks, semicolons and SQL: names that end
   * up in comments of the Flink SQL file must not escape them.
   */
  public static PgTable hostile() {
    String key = "id\nCREATE TABLE evil (x INT) WITH ('connector' = 'datagen');\u2028\n--";
    return new PgTable(
        16700,
        "public",
        "t;\nDROP TABLE x",
        List.of(column(key, 1, type("int4", "integer"), true)),
        List.of(key),
        ReplicaIdentity.FULL,
        0);
  }

  /** A table with a column of every type views compute with, and some they refuse. */
  public static PgTable kinds() {
    return new PgTable(
        16600,
        "public",
        "kinds",
        List.of(
            column("k", 1, type("int4", "integer"), true),
            column("b", 2, type("bool", "boolean"), false),
            column("i2", 3, type("int2", "smallint"), false),
            column("i4", 4, type("int4", "integer"), false),
            column("i8", 5, type("int8", "bigint"), false),
            column("n", 6, numeric(10, 2), false),
            column("n4", 7, numeric(12, 4), false),
            column("f4", 8, type("float4", "real"), false),
            column("f8", 9, type("float8", "double precision"), false),
            column("tx", 10, type("text", "text"), false),
            column("vc", 11, PgType.builtin("varchar", "character varying(10)", 14), false),
            column("bc", 12, PgType.builtin("bpchar", "character(3)", 7), false),
            column("d", 13, type("date", "date"), false),
            column(
                "ts", 14, PgType.builtin("timestamp", "timestamp(3) without time zone", 3), false),
            column("tz", 15, PgType.builtin("timestamptz", "timestamp with time zone", -1), false),
            column("u", 16, type("uuid", "uuid"), false),
            column("j", 17, type("jsonb", "jsonb"), false),
            column("nm", 18, type("name", "name"), false)),
        List.of("k"),
        ReplicaIdentity.FULL,
        0);
  }

  @Override
  public PgServerFacts read(ConnectionInfo connection, String publication) {
    List<PgTable> tables = new ArrayList<>();
    switch (publication) {
      case "mz_source" -> {
        tables.add(orders());
        tables.add(items());
        tables.add(customers());
        tables.add(foo("public", 16404));
        tables.add(foo("otherschema", 16405));
      }
      case "shop" -> {
        tables.add(orders());
        tables.add(items());
        tables.add(customers());
      }
      case "odd_types" -> tables.add(oddTypes());
      case "reserved" -> tables.add(foo("mzflink", 16406));
      case "views" -> {
        tables.add(orders());
        tables.add(items());
        tables.add(customers());
        tables.add(kinds());
      }
      case "wide" -> {
        // Enough tables that the per-table SQL needs a larger Flink CDC connection pool.
        for (int i = 1; i <= 7; i++) {
          tables.add(
              new PgTable(
                  16500 + i,
                  "public",
                  "w" + i,
                  List.of(column("a", 1, type("int4", "integer"), true)),
                  List.of("a"),
                  ReplicaIdentity.FULL,
                  0));
        }
      }
      case "hostile" -> tables.add(hostile());
      case "comma" -> {
        tables.add(orders());
        tables.add(
            new PgTable(
                16701,
                "public",
                "a,b",
                List.of(column("id", 1, type("int4", "integer"), true)),
                List.of("id"),
                ReplicaIdentity.FULL,
                0));
      }
      case "empty" -> {}
      default ->
          throw UserError.of(String.format("publication \"%s\" does not exist", publication));
    }
    return facts(
        connection.database(),
        connection.user(),
        new PgPublication(publication, false, true, true, true, true, tables));
  }

  /** A PostgreSQL 17 server where {@code user} may do everything and {@code publication} exists. */
  public static PgServerFacts facts(String database, String user, PgPublication publication) {
    return new PgServerFacts(
        170006,
        database,
        user,
        "logical",
        true,
        true,
        false,
        true,
        Optional.of(publication),
        List.of(publication.name()),
        Map.of(),
        Map.of(),
        Map.of(),
        10,
        List.of(),
        10,
        0,
        false);
  }

  /** Compiles scripts against this fake, with PGPASSWORD=secret and user postgres. */
  public static CompileContext context() {
    return new CompileContext(
        Map.of("PGPASSWORD", "secret"), "postgres", PasswordFile.Reader.NONE, INSTANCE);
  }
}
