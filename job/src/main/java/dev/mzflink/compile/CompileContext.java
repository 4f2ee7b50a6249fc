package dev.mzflink.compile;

import static java.util.Objects.requireNonNull;

import dev.mzflink.catalog.PasswordFile;
import java.util.Map;

/**
 * What compiling a script takes from its surroundings, as values: libpq's environment defaults
 * ({@code PG*} variables, the operating system user), the password file reader, and the reader of
 * upstream servers.
 *
 * @param environment the process environment ({@code PGHOST}, {@code PGPASSFILE}, ...)
 * @param osUser the operating system user, libpq's default role
 * @param passwordFiles reads libpq password files
 * @param upstream reads each source's server
 */
public record CompileContext(
    Map<String, String> environment,
    String osUser,
    PasswordFile.Reader passwordFiles,
    UpstreamReader upstream) {
  public CompileContext {
    environment = Map.copyOf(requireNonNull(environment, "environment is null"));
    requireNonNull(osUser, "osUser is null");
    requireNonNull(passwordFiles, "passwordFiles is null");
    requireNonNull(upstream, "upstream is null");
  }
}
