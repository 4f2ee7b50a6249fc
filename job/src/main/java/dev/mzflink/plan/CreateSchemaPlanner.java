package dev.mzflink.plan;

import dev.mzflink.UserError;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement.CreateSchema;

/** Plans CREATE SCHEMA: a schema of the one database, "materialize". */
final class CreateSchemaPlanner implements StatementPlanner<CreateSchema> {
  @Override
  public void plan(CreateSchema s, PlanningState state) {
    if (s.name().parts().size() == 2 && !s.name().parts().get(0).equals("materialize")) {
      throw UserError.at(
          s.position(), String.format("database \"%s\" does not exist", s.name().parts().get(0)));
    }
    String schema = s.name().name();
    if (state.catalog().hasSchema(schema)) {
      if (s.ifNotExists()) {
        state.notice(
            String.format("schema %s already exists, skipping", Quote.pgIdentifier(schema)));
        return;
      }
      throw UserError.at(
          s.position(), String.format("schema %s already exists", Quote.pgIdentifier(schema)));
    }
    if (schema.startsWith("mz_")
        || schema.equals("pg_catalog")
        || schema.equals("information_schema")) {
      throw UserError.at(
              s.position(),
              String.format("unacceptable schema name %s", Quote.pgIdentifier(schema)))
          .withDetail("The prefixes \"mz_\" and \"pg_\" are reserved for system schemas.");
    }
    if (schema.equals(Catalog.RESERVED_SCHEMA)) {
      throw UserError.at(
              s.position(),
              String.format("unacceptable schema name %s", Quote.pgIdentifier(schema)))
          .withDetail(
              String.format(
                  "Schema %s is reserved: mzflink keeps its own tables (sink progress, staging, source statuses) there in the results database.",
                  Quote.pgIdentifier(schema)))
          .withHint("Choose another name.");
    }
    state.update(state.catalog().withSchema(schema));
  }
}
