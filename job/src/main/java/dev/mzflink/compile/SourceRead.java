package dev.mzflink.compile;

import static java.util.Objects.requireNonNull;

import dev.mzflink.UserError;
import dev.mzflink.catalog.ConnectionInfo;
import dev.mzflink.catalog.PgServerFacts;
import dev.mzflink.sql.Quote;
import dev.mzflink.sql.Statement;
import java.util.Optional;

/**
 * What was read for one CREATE SOURCE statement, once: its connection settled (environment
 * defaults, password file, then the SSL the server negotiated) and its server's facts, or why they
 * could not be read.
 *
 * @param statement the statement
 * @param connection the connection with libpq's defaults and password file; empty when the
 *     connection string is invalid
 * @param facts the server's facts; empty when they could not be read
 * @param failure why the connection string or the server could not be read
 */
public record SourceRead(
    Statement.CreateSource statement,
    Optional<ConnectionInfo> connection,
    Optional<PgServerFacts> facts,
    Optional<UserError> failure) {
  public SourceRead {
    requireNonNull(statement, "statement is null");
    requireNonNull(connection, "connection is null");
    requireNonNull(facts, "facts is null");
    requireNonNull(failure, "failure is null");
    if (facts.isPresent() == failure.isPresent()) {
      throw new IllegalArgumentException("a source is either read or failed");
    }
  }

  /** The source's name as the statement gives it, quoted. */
  public String sourceName() {
    return Quote.pgIdentifier(unquotedName());
  }

  String unquotedName() {
    return statement.name().parts().get(statement.name().parts().size() - 1);
  }

  /**
   * The connection the pipeline uses: with the SSL the server negotiated when it was read (libpq's
   * {@code prefer} settled, since the replication connections cannot fall back).
   */
  public ConnectionInfo settled() {
    return connection.orElseThrow().withNegotiatedSsl(facts.orElseThrow().encrypted());
  }

  /** Reads the source of {@code create}. */
  static SourceRead read(Statement.CreateSource create, CompileContext context) {
    ConnectionInfo given;
    try {
      given = ConnectionInfo.parse(create.connectionInfo());
    } catch (UserError e) {
      return failed(
          create,
          Optional.empty(),
          e.position().isPresent() ? e : e.withPosition(create.connectionInfoPosition()));
    }
    ConnectionInfo resolved;
    try {
      resolved =
          given
              .withDefaults(context.environment(), context.osUser())
              .withPasswordFile(context.passwordFiles(), context.environment());
    } catch (UserError e) {
      return failed(create, Optional.of(given), positioned(e, create));
    }
    try {
      PgServerFacts facts = context.upstream().read(resolved, create.publication());
      return new SourceRead(create, Optional.of(resolved), Optional.of(facts), Optional.empty());
    } catch (UserError e) {
      return failed(create, Optional.of(resolved), positioned(e, create));
    }
  }

  private static SourceRead failed(
      Statement.CreateSource create, Optional<ConnectionInfo> connection, UserError error) {
    return new SourceRead(create, connection, Optional.empty(), Optional.of(error));
  }

  private static UserError positioned(UserError e, Statement.CreateSource create) {
    return e.position().isPresent() ? e : e.withPosition(create.position());
  }
}
