package dev.mzflink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Secrets hidden in the source line an error prints (issue 18 item 3): a one-line script is the
 * HOST string with its password, and the caret still points at the same thing.
 */
class RedactionTest {
  private static final String SCRIPT =
      "CREATE SOURCE s FROM POSTGRES HOST 'host=db user=repl password=hunter2-line-77"
          + " sslmode=bogus' PUBLICATION 'p';";

  @Test
  void anErrorAtTheHostStringShowsTheLineWithoutThePassword() {
    int column = SCRIPT.indexOf("'host=") + 1;
    UserError e =
        UserError.at(new SourcePosition(column - 1, 1, column), "invalid sslmode value: \"bogus\"");
    String rendered = e.render(Optional.of(SCRIPT));
    assertThat(rendered)
        .doesNotContain("hunter2-line-77")
        .contains("password=<secret> sslmode=bogus");
    String[] lines = rendered.split("\n");
    assertThat(lines[2].indexOf('^')).isEqualTo(lines[1].indexOf("'host="));
  }

  @Test
  void anErrorInsideThePasswordPointsAtThePlaceholder() {
    int column = SCRIPT.indexOf("line-77") + 1;
    UserError e =
        UserError.at(new SourcePosition(column - 1, 1, column), "something at the secret");
    String[] lines = e.render(Optional.of(SCRIPT)).split("\n");
    assertThat(lines[1]).doesNotContain("hunter2").contains("password=<secret> sslmode");
    assertThat(lines[2].indexOf('^')).isEqualTo(lines[1].indexOf("<secret>"));
  }

  @Test
  void anErrorAfterThePasswordKeepsPointingAtItsToken() {
    int column = SCRIPT.indexOf("PUBLICATION") + 1;
    UserError e = UserError.at(new SourcePosition(column - 1, 1, column), "after the secret");
    String[] lines = e.render(Optional.of(SCRIPT)).split("\n");
    assertThat(lines[1]).doesNotContain("hunter2");
    assertThat(lines[1].substring(lines[2].indexOf('^'))).startsWith("PUBLICATION");
  }

  @Test
  void registeredSecretsAndShapesAreHiddenEverywhere() {
    Redaction.register("s3cr3t-registered");
    assertThat(Redaction.text("failed: s3cr3t-registered at x")).isEqualTo("failed: <secret> at x");
    assertThat(Redaction.text("jdbc:postgresql://h/db?user=u&password=abc&ssl=true"))
        .isEqualTo("jdbc:postgresql://h/db?user=u&password=<secret>&ssl=true");
    assertThat(Redaction.text("{database.password=pw1, database.user=u}"))
        .isEqualTo("{database.password=<secret>, database.user=u}");
    assertThat(Redaction.text("'password' = 'it''s'")).isEqualTo("'password' = '<secret>'");
    assertThat(Redaction.text("postgresql://repl:pw2@db:5432/app"))
        .isEqualTo("postgresql://repl:<secret>@db:5432/app");
  }
}
