package dev.mzflink.sink;

import static java.util.Objects.requireNonNull;

import dev.mzflink.sql.Quote;
import dev.mzflink.status.ResultsSchema;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * One results table as the sink writes it: its name, columns and key, the Flink types of its rows,
 * what creates it when it is missing, and the staging table its rows wait in until a checkpoint's
 * commit applies them.
 */
final class ResultsTableSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  final ResultsTableName name;
  final List<String> columns;
  final LogicalType[] types;

  /** The key's column positions; empty for a key-less table, written as a multiset. */
  final int[] key;

  /** The table's CREATE TABLE column list, to create it when missing; null when not known. */
  private final String definition;

  /** Statements that create the types its columns use (enums); empty when none. */
  final String typesSql;

  ResultsTableSpec(
      ResultsTableName name,
      List<String> columns,
      LogicalType[] types,
      int[] key,
      Optional<String> definition,
      String typesSql) {
    this.name = requireNonNull(name, "name is null");
    this.columns = List.copyOf(columns);
    this.types = types.clone();
    this.key = key.clone();
    this.definition = requireNonNull(definition, "definition is null").orElse(null);
    this.typesSql = requireNonNull(typesSql, "typesSql is null");
  }

  /** The table's CREATE TABLE column list, to create it when missing. */
  Optional<String> definition() {
    return Optional.ofNullable(definition);
  }

  boolean keyed() {
    return key.length > 0;
  }

  /** The table's quoted name: its identity in the sink's bookkeeping. */
  String quoted() {
    return name.quoted();
  }

  /** {@code "mzflink"."stage_<hash>"}: where the table's changes wait for their commit. */
  String stagingTable() {
    return stagingTable(quoted());
  }

  /** The staging table of the results table {@code quoted} ({@code "schema"."name"}). */
  static String stagingTable(String quoted) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(quoted.getBytes(StandardCharsets.UTF_8));
      return ResultsSchema.table("stage_" + HexFormat.of().formatHex(digest, 0, 8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** The columns, quoted and comma-separated, optionally each prefixed by {@code alias.}. */
  String columnList(String alias) {
    StringBuilder out = new StringBuilder();
    for (String c : columns) {
      if (out.length() > 0) {
        out.append(", ");
      }
      out.append(alias.isEmpty() ? "" : alias + ".").append(Quote.pgIdentifier(c));
    }
    return out.toString();
  }

  /** The key columns, quoted and comma-separated, optionally each prefixed by {@code alias.}. */
  String keyList(String alias) {
    StringBuilder out = new StringBuilder();
    for (int k : key) {
      if (out.length() > 0) {
        out.append(", ");
      }
      out.append(alias.isEmpty() ? "" : alias + ".").append(Quote.pgIdentifier(columns.get(k)));
    }
    return out.toString();
  }
}
