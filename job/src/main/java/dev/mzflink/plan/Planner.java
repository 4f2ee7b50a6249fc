package dev.mzflink.plan;

import dev.mzflink.UserError;
import dev.mzflink.catalog.Catalog;
import dev.mzflink.sql.Statement;
import dev.mzflink.sql.Statement.CreateSchema;
import dev.mzflink.sql.Statement.CreateSource;
import dev.mzflink.sql.Statement.CreateView;
import dev.mzflink.sql.Statement.CreateViews;
import dev.mzflink.sql.Statement.Drop;
import dev.mzflink.sql.Statement.Show;
import java.util.List;
import java.util.Map;

/**
 * Plans a script: applies its statements in order to a catalog, as Materialize would. A pure
 * function of the statements and the purified sources (keyed by the offset of their CREATE SOURCE
 * statement). Each kind of statement has its {@link StatementPlanner}; the state they build up is a
 * {@link PlanningState}.
 */
public final class Planner implements Statement.Visitor<Void> {
  private static final CreateSourcePlanner CREATE_SOURCE = new CreateSourcePlanner();
  private static final CreateViewsPlanner CREATE_VIEWS = new CreateViewsPlanner();
  private static final CreateViewPlanner CREATE_VIEW = new CreateViewPlanner();
  private static final CreateSchemaPlanner CREATE_SCHEMA = new CreateSchemaPlanner();
  private static final DropPlanner DROP = new DropPlanner();
  private static final ShowPlanner SHOW = new ShowPlanner();

  private final PlanningState state;

  private Planner(PlanningState state) {
    this.state = state;
  }

  public static PlanResult plan(List<Statement> statements, Map<Integer, PurifiedSource> purified) {
    return plan(Catalog.empty(), statements, purified);
  }

  public static PlanResult plan(
      Catalog start, List<Statement> statements, Map<Integer, PurifiedSource> purified) {
    Planner planner = new Planner(new PlanningState(start, purified));
    for (Statement statement : statements) {
      try {
        statement.accept(planner);
      } catch (UserError e) {
        throw e.position().isPresent() ? e : e.withPosition(statement.position());
      }
    }
    return planner.state.result();
  }

  @Override
  public Void visitCreateSource(CreateSource statement) {
    CREATE_SOURCE.plan(statement, state);
    return null;
  }

  @Override
  public Void visitCreateViews(CreateViews statement) {
    CREATE_VIEWS.plan(statement, state);
    return null;
  }

  @Override
  public Void visitCreateView(CreateView statement) {
    CREATE_VIEW.plan(statement, state);
    return null;
  }

  @Override
  public Void visitCreateSchema(CreateSchema statement) {
    CREATE_SCHEMA.plan(statement, state);
    return null;
  }

  @Override
  public Void visitDrop(Drop statement) {
    DROP.plan(statement, state);
    return null;
  }

  @Override
  public Void visitShow(Show statement) {
    SHOW.plan(statement, state);
    return null;
  }
}
