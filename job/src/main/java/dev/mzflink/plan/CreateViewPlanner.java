package dev.mzflink.plan;

import dev.mzflink.analyze.QueryAnalyzer;
import dev.mzflink.catalog.CatalogEntry.View;
import dev.mzflink.catalog.ObjectName;
import dev.mzflink.sql.Statement.CreateView;

/** Plans CREATE [MATERIALIZED] VIEW: the view's query analyzed against the catalog so far. */
final class CreateViewPlanner implements StatementPlanner<CreateView> {
  @Override
  public void plan(CreateView s, PlanningState state) {
    ObjectName name = CatalogNames.resolveNew(state.catalog(), s.name(), s.position());
    if (CatalogNames.skipExisting(state, name, s.ifNotExists(), "view", s.position())) {
      return;
    }
    QueryAnalyzer.AnalyzedView analyzed = QueryAnalyzer.analyze(s.query(), state.catalog());
    state.update(
        state
            .catalog()
            .with(new View(name, s.materialized(), analyzed.query(), analyzed.dependencies(), s)));
  }
}
