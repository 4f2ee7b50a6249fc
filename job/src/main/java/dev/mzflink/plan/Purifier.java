package dev.mzflink.plan;

import dev.mzflink.UserError;
import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.catalog.PasswordFile;
import dev.mzflink.catalog.UpstreamSnapshot;
import dev.mzflink.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one step of planning that reads the outside world: for each CREATE SOURCE it resolves the
 * connection string (environment defaults) and reads the upstream publication. Everything after
 * works on the data it returns.
 */
public final class Purifier {
  /** Reads a publication upstream; {@link PgIntrospector#introspect} in production. */
  @FunctionalInterface
  public interface Introspector {
    UpstreamSnapshot introspect(ConnectionInfo connection, String publication);
  }

  private Purifier() {}

  /** Purified sources keyed by the offset of their CREATE SOURCE statement. */
  public static Map<Integer, PurifiedSource> purify(
      List<Statement> statements,
      Map<String, String> environment,
      String osUser,
      Introspector introspector) {
    return purify(statements, environment, osUser, PasswordFile.Reader.NONE, introspector);
  }

  /**
   * Purifies with libpq's defaults: {@code PG*} variables of {@code environment}, then the password
   * file read by {@code passwordFiles}.
   */
  public static Map<Integer, PurifiedSource> purify(
      List<Statement> statements,
      Map<String, String> environment,
      String osUser,
      PasswordFile.Reader passwordFiles,
      Introspector introspector) {
    Map<Integer, PurifiedSource> result = new LinkedHashMap<>();
    for (Statement statement : statements) {
      if (statement instanceof Statement.CreateSource create) {
        ConnectionInfo given;
        try {
          given = ConnectionInfo.parse(create.connectionInfo());
        } catch (UserError e) {
          throw e.position().isPresent() ? e : e.withPosition(create.connectionInfoPosition());
        }
        try {
          ConnectionInfo connection =
              given.withDefaults(environment, osUser).withPasswordFile(passwordFiles, environment);
          UpstreamSnapshot upstream = introspector.introspect(connection, create.publication());
          result.put(
              create.position().offset(),
              new PurifiedSource(connection.withNegotiatedSsl(upstream.encrypted()), upstream));
        } catch (UserError e) {
          throw e.position().isPresent() ? e : e.withPosition(create.position());
        }
      }
    }
    return result;
  }
}
