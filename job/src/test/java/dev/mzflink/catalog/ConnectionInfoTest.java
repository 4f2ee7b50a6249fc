package dev.mzflink.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.UserError;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectionInfoTest {
  @Test
  void keywordValuePairsWithQuotingAndEscapes() {
    ConnectionInfo info =
        ConnectionInfo.parse(
            "host=db port = 6432 user='my user' password='it\\'s' dbname=shop sslmode=require");
    assertThat(info.values())
        .containsExactly(
            Map.entry("host", "db"),
            Map.entry("port", "6432"),
            Map.entry("user", "my user"),
            Map.entry("password", "it's"),
            Map.entry("dbname", "shop"),
            Map.entry("sslmode", "require"));
    assertThat(info.jdbcUrl()).isEqualTo("jdbc:postgresql://db:6432/shop");
    assertThat(info.jdbcProperties())
        .containsEntry("user", "my user")
        .containsEntry("sslmode", "require");
  }

  @Test
  void uriWithPercentEncodingAndQueryParameters() {
    ConnectionInfo info =
        ConnectionInfo.parse(
            "postgresql://us%40er:p%3Ass@[::1]:5433/my%20db?sslmode=verify-full&application_name=x");
    assertThat(info.user()).isEqualTo("us@er");
    assertThat(info.password()).contains("p:ss");
    assertThat(info.host()).isEqualTo("::1");
    assertThat(info.port()).isEqualTo(5433);
    assertThat(info.database()).isEqualTo("my db");
    assertThat(info.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5433/my%20db");
    assertThat(info.get("sslmode")).contains("verify-full");
  }

  @Test
  void postgresSchemeAndDefaultsFromTheEnvironment() {
    ConnectionInfo info =
        ConnectionInfo.parse("postgres://db/app")
            .withDefaults(Map.of("PGUSER", "repl", "PGPASSWORD", "pw", "PGPORT", "7000"), "osuser");
    assertThat(info.user()).isEqualTo("repl");
    assertThat(info.password()).contains("pw");
    assertThat(info.port()).isEqualTo(7000);
    assertThat(info.database()).isEqualTo("app");
  }

  @Test
  void libpqDefaultsWhenNothingIsGiven() {
    ConnectionInfo info = ConnectionInfo.parse("").withDefaults(Map.of(), "alice");
    assertThat(info.host()).isEqualTo("localhost");
    assertThat(info.port()).isEqualTo(5432);
    assertThat(info.user()).isEqualTo("alice");
    assertThat(info.database()).isEqualTo("alice");
  }

  @Test
  void unknownKeywordListsTheValidOnes() {
    assertThatThrownBy(() -> ConnectionInfo.parse("host=h colour=blue"))
        .isInstanceOf(UserError.class)
        .hasMessage("invalid connection option \"colour\"")
        .extracting(e -> ((UserError) e).detail().orElseThrow())
        .asString()
        .startsWith("Valid options are: host, hostaddr, port, dbname, user, password");
  }

  @Test
  void badValuesAreUserErrors() {
    assertThatThrownBy(() -> ConnectionInfo.parse("host"))
        .hasMessage("missing \"=\" after \"host\" in connection info string");
    assertThatThrownBy(() -> ConnectionInfo.parse("host='x"))
        .hasMessage("unterminated quoted string in connection info string");
    assertThatThrownBy(() -> ConnectionInfo.parse("port=abc"))
        .hasMessage("invalid integer value \"abc\" for connection option \"port\"");
    assertThatThrownBy(() -> ConnectionInfo.parse("sslmode=always"))
        .hasMessage("invalid sslmode value: \"always\"");
    assertThatThrownBy(() -> ConnectionInfo.parse("postgresql://a,b/db"))
        .hasMessage("connection URIs with several hosts are not supported");
  }

  @Test
  void passwordsAreRedactedWhenPrinted() {
    ConnectionInfo info = ConnectionInfo.parse("host=h user=u password=hunter2");
    assertThat(info.redacted())
        .isEqualTo("host=h user=u password=<secret>")
        .doesNotContain("hunter2");
    assertThat(info.toString()).doesNotContain("hunter2");
  }

  private static final String PGPASS =
      "# comment line\n"
          + "other:5432:*:repl:pw-wrong\n"
          + "db:5432:shop:repl:pw-first\n"
          + "db:5432:shop:repl:pw-second\n"
          + "db\\:x:*:*:*:pw-escaped\\:colon\n"
          + "*:6000:*:*:pw-any-host\n"
          + "localhost:5432:app:alice:pw-local\n"
          + "too:few:fields\n";

  private static PasswordFile.Reader file(String expectedPath, String text) {
    return path ->
        path.equals(expectedPath) ? java.util.Optional.of(text) : java.util.Optional.empty();
  }

  @Test
  void passwordFileFillsTheFirstMatchingLine() {
    ConnectionInfo info =
        ConnectionInfo.parse("host=db user=repl dbname=shop")
            .withDefaults(Map.of(), "os")
            .withPasswordFile(file("/home/u/.pgpass", PGPASS), Map.of("HOME", "/home/u"));
    assertThat(info.password()).contains("pw-first");
  }

  @Test
  void passwordFileWildcardsEscapesAndDefaults() {
    Map<String, String> home = Map.of("HOME", "/h");
    assertThat(
            ConnectionInfo.parse("host=elsewhere port=6000 user=x dbname=y")
                .withPasswordFile(file("/h/.pgpass", PGPASS), home)
                .password())
        .contains("pw-any-host");
    assertThat(
            ConnectionInfo.parse("host=db:x user=u dbname=d")
                .withPasswordFile(file("/h/.pgpass", PGPASS), home)
                .password())
        .contains("pw-escaped:colon");
    // No host, or a socket directory, is "localhost" for the password file.
    assertThat(
            ConnectionInfo.parse("user=alice dbname=app")
                .withPasswordFile(file("/h/.pgpass", PGPASS), home)
                .password())
        .contains("pw-local");
    assertThat(
            ConnectionInfo.parse("host=/var/run/postgresql user=alice dbname=app")
                .withPasswordFile(file("/h/.pgpass", PGPASS), home)
                .password())
        .contains("pw-local");
    assertThat(
            ConnectionInfo.parse("host=nowhere user=alice dbname=app")
                .withPasswordFile(file("/h/.pgpass", PGPASS), home)
                .password())
        .isEmpty();
  }

  @Test
  void passfileKeywordAndPgpassfileNameTheFile() {
    assertThat(
            ConnectionInfo.parse("host=db user=repl dbname=shop passfile=/etc/mine")
                .withPasswordFile(file("/etc/mine", PGPASS), Map.of("HOME", "/h"))
                .password())
        .contains("pw-first");
    assertThat(
            ConnectionInfo.parse("host=db user=repl dbname=shop")
                .withDefaults(Map.of("PGPASSFILE", "/etc/env"), "os")
                .withPasswordFile(file("/etc/env", PGPASS), Map.of("HOME", "/h"))
                .password())
        .contains("pw-first");
  }

  @Test
  void aGivenPasswordOrPgpasswordWinsOverThePasswordFile() {
    PasswordFile.Reader reader = file("/h/.pgpass", PGPASS);
    assertThat(
            ConnectionInfo.parse("host=db user=repl dbname=shop password=pw-given")
                .withPasswordFile(reader, Map.of("HOME", "/h"))
                .password())
        .contains("pw-given");
    assertThat(
            ConnectionInfo.parse("host=db user=repl dbname=shop")
                .withDefaults(Map.of("PGPASSWORD", "env"), "os")
                .withPasswordFile(reader, Map.of("HOME", "/h"))
                .password())
        .contains("env");
  }

  @Test
  void environmentDefaultsFillOnlyWhatTheStringLeavesOut() {
    ConnectionInfo info =
        ConnectionInfo.parse("host=given sslmode=disable")
            .withDefaults(
                Map.of(
                    "PGHOST", "env-host",
                    "PGDATABASE", "envdb",
                    "PGSSLMODE", "require",
                    "PGAPPNAME", "app",
                    "PGCONNECT_TIMEOUT", "7"),
                "os");
    assertThat(info.host()).isEqualTo("given");
    assertThat(info.get("sslmode")).contains("disable");
    assertThat(info.database()).isEqualTo("envdb");
    assertThat(info.user()).isEqualTo("os");
    assertThat(info.jdbcProperties())
        .containsEntry("ApplicationName", "app")
        .containsEntry("connectTimeout", "7")
        .containsEntry("sslmode", "disable");
  }

  @Test
  void malformedUrisAreUserErrors() {
    assertThatThrownBy(() -> ConnectionInfo.parse("postgresql://[::1/db"))
        .hasMessage("invalid connection URI \"postgresql://[::1/db\": missing \"]\" in IPv6 host");
    assertThatThrownBy(() -> ConnectionInfo.parse("postgresql://h/db?sslmode"))
        .hasMessage("missing key/value separator \"=\" in URI query parameter: \"sslmode\"");
    assertThatThrownBy(() -> ConnectionInfo.parse("postgresql://h/d%zzb"))
        .hasMessage("invalid percent-encoded token: \"d%zzb\"");
    assertThatThrownBy(() -> ConnectionInfo.parse("postgresql://h/db?colour=blue"))
        .hasMessage("invalid connection option \"colour\"");
    assertThatThrownBy(() -> ConnectionInfo.parse("host=h").user())
        .hasMessage("the connection string names no user");
  }

  @Test
  void preferAndAllowSettleOnWhatIntrospectionNegotiated() {
    assertThat(ConnectionInfo.parse("host=h sslmode=prefer").withNegotiatedSsl(true).get("sslmode"))
        .contains("require");
    assertThat(
            ConnectionInfo.parse("host=h sslmode=prefer").withNegotiatedSsl(false).get("sslmode"))
        .contains("disable");
    assertThat(ConnectionInfo.parse("host=h sslmode=allow").withNegotiatedSsl(true).get("sslmode"))
        .contains("require");
    assertThat(ConnectionInfo.parse("host=h sslmode=allow").withNegotiatedSsl(false).get("sslmode"))
        .contains("disable");
    // No sslmode is libpq's prefer: SSL when the server offered it, else nothing to say.
    assertThat(ConnectionInfo.parse("host=h").withNegotiatedSsl(true).get("sslmode"))
        .contains("require");
    assertThat(ConnectionInfo.parse("host=h").withNegotiatedSsl(false).get("sslmode")).isEmpty();
    // Modes without a fallback stay as given.
    for (String mode : java.util.List.of("disable", "require", "verify-ca", "verify-full")) {
      assertThat(
              ConnectionInfo.parse("host=h sslmode=" + mode).withNegotiatedSsl(true).get("sslmode"))
          .contains(mode);
      assertThat(
              ConnectionInfo.parse("host=h sslmode=" + mode)
                  .withNegotiatedSsl(false)
                  .get("sslmode"))
          .contains(mode);
    }
  }
}
