package dev.mzflink.plan;

import dev.mzflink.catalog.CatalogEntry.Source;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.sql.Statement.CreateSource;

/** Plans CREATE [MATERIALIZED] SOURCE: a source in the catalog, from what purification read. */
final class CreateSourcePlanner implements StatementPlanner<CreateSource> {
  @Override
  public void plan(CreateSource s, PlanningState state) {
    ObjectName name = CatalogNames.resolveNew(state.catalog(), s.name(), s.position());
    if (CatalogNames.skipExisting(state, name, s.ifNotExists(), "source", s.position())) {
      return;
    }
    PurifiedSource p =
        state
            .purified(s)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "CREATE SOURCE at " + s.position() + " was not purified"));
    if (!p.upstream().publication().name().equals(s.publication())) {
      throw new IllegalStateException("purified the wrong publication for " + name);
    }
    state.update(
        state.catalog().with(new Source(name, s.materialized(), p.connection(), p.upstream(), s)));
  }
}
