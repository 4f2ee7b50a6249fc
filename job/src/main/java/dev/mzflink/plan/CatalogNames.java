package dev.mzflink.plan;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.catalog.CatalogEntry;
import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.sql.QualifiedName;
import dev.mzflink.sql.Quote;
import java.util.List;

/**
 * Resolves the names statements give to catalog objects: the one database, the default schema, and
 * the errors for schemas and sources that do not exist.
 */
final class CatalogNames {
  private CatalogNames() {}

  /** The name of an object to create: its schema must exist. */
  static ObjectName resolveNew(Catalog catalog, QualifiedName name, SourcePosition at) {
    if (name.parts().size() == 3 && !name.parts().get(0).equals("materialize")) {
      throw UserError.at(at, String.format("database \"%s\" does not exist", name.parts().get(0)))
          .withDetail("mzflink has one database, \"materialize\".");
    }
    String schema = name.schema().orElse(Catalog.DEFAULT_SCHEMA);
    ObjectName resolved = new ObjectName(schema, name.name());
    refuseReservedSchema(
        resolved,
        at,
        "Give it another schema, e.g. "
            + new ObjectName(Catalog.DEFAULT_SCHEMA, name.name()).quoted()
            + ".");
    if (!catalog.hasSchema(schema)) {
      throw UserError.at(at, String.format("schema %s does not exist", Quote.pgIdentifier(schema)))
          .withHint(
              String.format("Create it first: CREATE SCHEMA %s;", Quote.pgIdentifier(schema)));
    }
    return resolved;
  }

  /**
   * Refuses {@code name} in schema {@code mzflink}: that schema of the results database holds
   * mzflink's own tables, which a view or results table of that name would overwrite.
   */
  static void refuseReservedSchema(ObjectName name, SourcePosition at, String hint) {
    if (name.schema().equals(Catalog.RESERVED_SCHEMA)) {
      throw UserError.at(
              at,
              String.format(
                  "cannot create %s: schema %s is reserved",
                  name.quoted(), Quote.pgIdentifier(Catalog.RESERVED_SCHEMA)))
          .withDetail(
              String.format(
                  "mzflink keeps its own tables (sink progress, staging, source statuses) in schema %s of the results database.",
                  Quote.pgIdentifier(Catalog.RESERVED_SCHEMA)))
          .withHint(hint);
    }
  }

  /** The name of an object that may exist, in the one database. */
  static ObjectName resolveExisting(QualifiedName name, SourcePosition at) {
    if (name.parts().size() == 3 && !name.parts().get(0).equals("materialize")) {
      throw UserError.at(at, String.format("database \"%s\" does not exist", name.parts().get(0)));
    }
    return new ObjectName(name.schema().orElse(Catalog.DEFAULT_SCHEMA), name.name());
  }

  /** The source named so, or the error listing the sources that exist. */
  static Source source(Catalog catalog, QualifiedName name, SourcePosition at) {
    ObjectName resolved = resolveExisting(name, at);
    CatalogEntry entry =
        catalog
            .get(resolved)
            .orElseThrow(
                () -> {
                  List<String> known =
                      catalog.sources().stream().map(s -> s.name().quoted()).toList();
                  UserError e =
                      UserError.at(at, String.format("source %s does not exist", name.quoted()));
                  return known.isEmpty()
                      ? e.withHint(
                          "Create it first with CREATE MATERIALIZED SOURCE ... FROM POSTGRES.")
                      : e.withDetail("Known sources: " + String.join(", ", known) + ".");
                });
    if (!(entry instanceof Source source)) {
      throw UserError.at(at, String.format("%s is not a source", name.quoted()));
    }
    return source;
  }

  /**
   * Whether a statement creating {@code name} is skipped: the name is taken and the statement says
   * IF NOT EXISTS (a notice says so); when it does not, the error.
   */
  static boolean skipExisting(
      PlanningState state, ObjectName name, boolean ifNotExists, String noun, SourcePosition at) {
    if (state.catalog().get(name).isEmpty()) {
      return false;
    }
    if (ifNotExists) {
      state.notice(String.format("%s %s already exists, skipping", noun, name.quoted()));
      return true;
    }
    throw UserError.at(at, String.format("catalog item %s already exists", name.quoted()));
  }
}
