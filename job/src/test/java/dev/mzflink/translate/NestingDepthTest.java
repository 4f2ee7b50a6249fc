package dev.mzflink.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.mzflink.UserError;
import dev.mzflink.compile.Compilation;
import dev.mzflink.compile.ScriptCompiler;
import dev.mzflink.sql.Parser;
import dev.mzflink.testing.FakeUpstream;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Deeply nested view queries (issue 18 item 9): past the parser's depth limit a positioned user
 * error at the token where the limit is passed, never a StackOverflowError; below it the whole
 * script plans and translates.
 */
class NestingDepthTest {
  private static final String PREFIX =
      "CREATE SOURCE s FROM POSTGRES HOST 'host=h dbname=app' PUBLICATION 'views';\n"
          + "CREATE VIEWS FROM SOURCE s;\n"
          + "CREATE MATERIALIZED VIEW v AS ";

  private static final TranslateOptions OPTIONS =
      new TranslateOptions("jdbc:postgresql://results:5432/results", Optional.empty());

  /** Each form of nesting, as a view query nested {@code n} times. */
  static Stream<Arguments> nestings() {
    return Stream.of(
        Arguments.of(
            "parentheses",
            (IntFunction<String>)
                n -> "SELECT " + "(".repeat(n) + "k" + ")".repeat(n) + " AS x FROM kinds"),
        Arguments.of(
            "NOT", (IntFunction<String>) n -> "SELECT " + "NOT ".repeat(n) + "b AS x FROM kinds"),
        Arguments.of(
            "unary minus",
            (IntFunction<String>) n -> "SELECT " + "- ".repeat(n) + "k AS x FROM kinds"),
        Arguments.of(
            "a chain of +",
            (IntFunction<String>) n -> "SELECT k" + " + k".repeat(n) + " AS x FROM kinds"),
        Arguments.of(
            "a chain of AND",
            (IntFunction<String>) n -> "SELECT k FROM kinds WHERE b" + " AND b".repeat(n)),
        Arguments.of(
            "a chain of casts",
            (IntFunction<String>) n -> "SELECT k" + "::int".repeat(n) + " AS x FROM kinds"),
        Arguments.of(
            "function calls",
            (IntFunction<String>)
                n -> "SELECT " + "abs(".repeat(n) + "k" + ")".repeat(n) + " AS x FROM kinds"),
        Arguments.of(
            "scalar subqueries",
            (IntFunction<String>)
                n -> "SELECT " + "(SELECT ".repeat(n) + "1" + ")".repeat(n) + " AS x"),
        Arguments.of(
            "subqueries in FROM",
            (IntFunction<String>)
                n -> "SELECT k FROM " + "(SELECT k FROM ".repeat(n) + "kinds" + ") AS q".repeat(n)),
        Arguments.of(
            "a chain of joins",
            (IntFunction<String>)
                n -> "SELECT a.k FROM kinds a" + " JOIN kinds b ON true".repeat(n)),
        Arguments.of(
            "a chain of UNION ALL",
            (IntFunction<String>)
                n -> "SELECT k FROM kinds" + " UNION ALL SELECT k FROM kinds".repeat(n)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nestings")
  void tooDeepIsAPositionedUserError(String form, IntFunction<String> query) {
    String script = PREFIX + query.apply(100_000) + ";\n";
    UserError e =
        catchThrowableOfType(
            () ->
                ScriptCompiler.compile(
                    script, OPTIONS, SourceReading.PER_TABLE_SQL, FakeUpstream.context()),
            UserError.class);
    assertThat(e).as(form).isNotNull();
    assertThat(e.primary()).isEqualTo("the statement nests too deeply");
    assertThat(e.position()).isPresent();
    assertThat(e.position().get().line()).isEqualTo(3);
    assertThat(e.render(Optional.of(script)))
        .contains("line 3:")
        .contains(
            "DETAIL: Expressions, subqueries and joins may nest at most 200 levels deep, counting"
                + " each operator of a chain.")
        .contains("HINT: Split the query into views that build on each other.");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nestings")
  void theDeepestNestingTheParserTakesPlansAndTranslates(String form, IntFunction<String> query) {
    // The largest n the parser accepts: every later stage must cope with that depth.
    int n = 200;
    while (n > 0 && tooDeep(PREFIX + query.apply(n))) {
      n--;
    }
    assertThat(n).as(form).isGreaterThanOrEqualTo(50);
    assertThat(tooDeep(PREFIX + query.apply(n + 1))).isTrue();
    String script = PREFIX + query.apply(n) + ";\n";
    try {
      Compilation compiled =
          ScriptCompiler.compile(
              script, OPTIONS, SourceReading.PER_TABLE_SQL, FakeUpstream.context());
      assertThat(FlinkSqlRenderer.file(compiled.flinkPlan(), "script.sql", false))
          .as(form)
          .contains("CREATE TEMPORARY VIEW `public`.`v`");
    } catch (UserError e) {
      // Refused for what it computes (a type, say), not for how deep it is.
      assertThat(e.primary()).as(form).isNotEqualTo("the statement nests too deeply");
    }
  }

  private static boolean tooDeep(String script) {
    try {
      Parser.parse(script);
      return false;
    } catch (UserError e) {
      return e.primary().equals("the statement nests too deeply");
    }
  }
}
