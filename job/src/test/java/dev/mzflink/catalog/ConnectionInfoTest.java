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
        ConnectionInfo.parse("host=db port = 6432 user='my user' password='it\\'s' dbname=shop sslmode=require");
    assertThat(info.values())
        .containsExactly(
            Map.entry("host", "db"),
            Map.entry("port", "6432"),
            Map.entry("user", "my user"),
            Map.entry("password", "it's"),
            Map.entry("dbname", "shop"),
            Map.entry("sslmode", "require"));
    assertThat(info.jdbcUrl()).isEqualTo("jdbc:postgresql://db:6432/shop");
    assertThat(info.jdbcProperties()).containsEntry("user", "my user").containsEntry("sslmode", "require");
  }

  @Test
  void uriWithPercentEncodingAndQueryParameters() {
    ConnectionInfo info =
        ConnectionInfo.parse("postgresql://us%40er:p%3Ass@[::1]:5433/my%20db?sslmode=verify-full&application_name=x");
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
    assertThat(info.redacted()).isEqualTo("host=h user=u password=********").doesNotContain("hunter2");
    assertThat(info.toString()).doesNotContain("hunter2");
  }
}
