package dev.mzflink.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mzflink.SourcePosition;
import dev.mzflink.UserError;
import dev.mzflink.testing.GoldenFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The parser's property: for any text it returns statements or throws a {@link UserError} with a
 * position inside the text, and never anything else. Inputs are random token streams over the
 * dialect's vocabulary and mutations (cuts, insertions, swaps, truncations) of every valid script
 * of the parser's golden file and of sql-scripts/. Statements that parse also print and parse back
 * to the same text. Deterministic: a fixed seed, so a failure reproduces.
 */
class ParserFuzzTest {
  static final int INPUTS = 100_000;

  /** Fixed, so that a failure reproduces; {@code -Dfuzz.seed=N} explores other inputs. */
  private static final long SEED = Long.getLong("fuzz.seed", 20261125L);

  private static final String[] WORDS = {
    "CREATE",
    "MATERIALIZED",
    "SOURCE",
    "SOURCES",
    "VIEWS",
    "VIEW",
    "SCHEMA",
    "SCHEMAS",
    "DROP",
    "SHOW",
    "FULL",
    "FROM",
    "POSTGRES",
    "HOST",
    "PUBLICATION",
    "IF",
    "NOT",
    "EXISTS",
    "AS",
    "CASCADE",
    "RESTRICT",
    "COLUMNS",
    "IN",
    "SELECT",
    "DISTINCT",
    "WHERE",
    "GROUP",
    "BY",
    "HAVING",
    "JOIN",
    "LEFT",
    "ON",
    "AND",
    "OR",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "CAST",
    "NULL",
    "TRUE",
    "IS",
    "BETWEEN",
    "LIKE",
    "UNION",
    "ALL",
    "ORDER",
    "LIMIT",
    "WITH",
    "EXTRACT",
    "substring",
    "FOR",
    "count",
    "sum",
    "date_trunc",
    "interval",
    "timestamp",
    "varchar",
    "numeric",
    "double",
    "precision",
    "time",
    "zone",
    "ARRAY",
    "ROW",
    "OVER",
    "mz_source",
    "s",
    "v",
    "public",
    "otherschema",
    "materialize",
    "a",
    "b",
    "t",
    "x",
    "KAFKA",
    "TABLE",
    "CONNECTION",
    "\"Quoted\"",
    "\"a\"\"b\"",
    "\"\"",
    "\"unterminated",
    "'str'",
    "'it''s'",
    "E'\\n'",
    "E'\\x4",
    "E'\\u12'",
    "E'\\0'",
    "E'\\U0010FFFF'",
    "$$dollar$$",
    "$t$tag$t$",
    "$$unterminated",
    "$1",
    "'unterminated",
    "B'01'",
    "U&'x'",
    "1",
    "1.5",
    "1e3",
    "1_000",
    "1__0",
    "12abc",
    ".5",
    "(",
    ")",
    ",",
    ";",
    ".",
    "::",
    "[",
    "]",
    "+",
    "-",
    "*",
    "/",
    "<>",
    "<=",
    "=",
    "||",
    "->",
    "=>",
    "^",
    "%",
    "?",
    "@",
    "~",
    "!",
    "--",
    "/*",
    "*/",
    "/* c */",
    "\n",
    "\t",
    "é",
    "\u00e9t\u00e9",
    "\r\n",
    "\\",
    "#",
    "&",
    "|",
    "`",
    "{",
    "}",
    "\u0000",
    "\uD83D\uDE00",
    "'host=h port=5432' ",
    "'postgresql://u@h/db'"
  };

  @Test
  void parserAnswers100000GeneratedInputsWithStatementsOrAPositionedUserError() throws IOException {
    List<String> valid = validScripts();
    assertThat(valid).hasSizeGreaterThan(30);
    Random random = new Random(SEED);
    long start = System.nanoTime();
    int parsed = 0;
    int rejected = 0;
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < INPUTS; i++) {
      String input =
          i % 2 == 0
              ? tokenStream(random)
              : mutate(valid.get(random.nextInt(valid.size())), random);
      Outcome outcome = check(input);
      switch (outcome.kind()) {
        case PARSED -> parsed++;
        case REJECTED -> rejected++;
        case FAILED -> {
          if (failures.size() < 5) {
            failures.add(outcome.failure());
          }
        }
      }
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf(
        "ParserFuzzTest: %,d generated inputs (%,d parsed, %,d rejected with a positioned user error) in %,d ms, seed %d%n",
        INPUTS, parsed, rejected, millis, SEED);
    assertThat(failures).as("inputs the parser did not answer properly").isEmpty();
    assertThat(parsed + rejected).isEqualTo(INPUTS);
    assertThat(millis)
        .as("the parser answers 100,000 inputs within a minute even on a loaded machine")
        .isLessThan(60_000);
    // Both outcomes are exercised, not only errors.
    assertThat(parsed).isGreaterThan(INPUTS / 50);
    assertThat(rejected).isGreaterThan(INPUTS / 2);
  }

  @Test
  void aNulCharacterIsRejectedWhereItIs() {
    assertThatThrownBy(() -> Parser.parse("CREATE SCHEMA x;\nCREATE SCHEMA \"a\0b\""))
        .isInstanceOfSatisfying(
            UserError.class,
            e -> {
              assertThat(e.primary())
                  .isEqualTo("invalid byte sequence for encoding \"UTF8\": 0x00");
              assertThat(e.detail()).contains("A script cannot contain NUL characters.");
              assertThat(e.position()).contains(new SourcePosition(33, 2, 17));
            });
  }

  enum Kind {
    PARSED,
    REJECTED,
    FAILED
  }

  /** How the parser answered one input; {@code failure} says what was wrong when FAILED. */
  record Outcome(Kind kind, String failure) {
    static final Outcome PARSED = new Outcome(Kind.PARSED, "");
    static final Outcome REJECTED = new Outcome(Kind.REJECTED, "");

    static Outcome failed(String why) {
      return new Outcome(Kind.FAILED, why);
    }
  }

  /** Whether the parser answered {@code input} properly, and how. */
  static Outcome check(String input) {
    List<Statement> statements;
    try {
      statements = Parser.parse(input);
    } catch (UserError e) {
      if (e.position().isEmpty()) {
        return Outcome.failed(
            "user error without a position: " + e.primary() + "\ninput: " + printable(input));
      }
      SourcePosition p = e.position().get();
      if (p.offset() > input.length() || !expectedPosition(input, p.offset()).equals(p)) {
        return Outcome.failed(
            "user error at a wrong position "
                + p
                + ": "
                + e.primary()
                + "\ninput: "
                + printable(input));
      }
      try {
        e.render(Optional.of(input));
      } catch (RuntimeException r) {
        return Outcome.failed("rendering the error failed: " + r + "\ninput: " + printable(input));
      }
      return Outcome.REJECTED;
    } catch (RuntimeException | StackOverflowError e) {
      return Outcome.failed(e + "\ninput: " + printable(input));
    }
    // Whatever parses prints and parses back to the same statements.
    for (Statement statement : statements) {
      try {
        String printed = StatementPrinter.print(statement);
        List<Statement> again = Parser.parse(printed);
        if (again.size() != 1 || !StatementPrinter.print(again.get(0)).equals(printed)) {
          return Outcome.failed(
              "round trip changed " + printable(printed) + "\ninput: " + printable(input));
        }
      } catch (RuntimeException e) {
        return Outcome.failed("round trip failed: " + e + "\ninput: " + printable(input));
      }
    }
    return Outcome.PARSED;
  }

  /** The line and column of {@code offset}, counted independently of the lexer. */
  private static SourcePosition expectedPosition(String input, int offset) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < offset; i++) {
      if (input.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return new SourcePosition(offset, line, offset - lineStart + 1);
  }

  private static String tokenStream(Random random) {
    // Half of the streams start like a statement, so that they get past the first token.
    StringBuilder out = new StringBuilder();
    if (random.nextBoolean()) {
      out.append(
          List.of("CREATE ", "DROP ", "SHOW ", "CREATE MATERIALIZED ", "CREATE VIEW v AS SELECT ")
              .get(random.nextInt(5)));
    }
    int length = 1 + random.nextInt(25);
    for (int i = 0; i < length; i++) {
      out.append(WORDS[random.nextInt(WORDS.length)]);
      out.append(random.nextInt(8) == 0 ? "" : " ");
    }
    return out.toString();
  }

  private static String mutate(String script, Random random) {
    StringBuilder out = new StringBuilder(script);
    int mutations = 1 + random.nextInt(3);
    for (int m = 0; m < mutations; m++) {
      int at = random.nextInt(out.length() + 1);
      switch (random.nextInt(7)) {
        case 0 -> out.setLength(at); // truncate
        case 1 -> out.delete(at, Math.min(out.length(), at + 1 + random.nextInt(8))); // cut
        case 2 -> out.insert(at, WORDS[random.nextInt(WORDS.length)]); // insert a token
        case 3 -> out.insert(at, (char) (32 + random.nextInt(95))); // insert a character
        case 4 -> { // duplicate a slice
          int end = Math.min(out.length(), at + random.nextInt(20));
          out.insert(end, out.substring(at, end));
        }
        case 5 -> { // swap two slices' characters
          if (out.length() > 1) {
            int other = random.nextInt(out.length());
            int here = Math.min(at, out.length() - 1);
            char c = out.charAt(here);
            out.setCharAt(here, out.charAt(other));
            out.setCharAt(other, c);
          }
        }
        default -> { // change the case of a character
          if (at < out.length()) {
            char c = out.charAt(at);
            out.setCharAt(
                at, Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
          }
        }
      }
    }
    return out.toString();
  }

  /** Every script of the parser's golden file that parses, and every example in sql-scripts/. */
  private static List<String> validScripts() throws IOException {
    List<String> scripts = new ArrayList<>();
    for (GoldenFile.Case c : GoldenFile.read(GoldenFile.path("parser.txt"))) {
      if (!c.expected().startsWith("error:")) {
        scripts.add(c.input());
      }
    }
    try (Stream<Path> files = Files.list(Path.of("../sql-scripts"))) {
      for (Path p :
          files
              .filter(p -> p.toString().endsWith(".sql") && !p.toString().endsWith(".flink.sql"))
              .sorted()
              .toList()) {
        scripts.add(Files.readString(p, StandardCharsets.UTF_8));
      }
    }
    return scripts;
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '\n') {
        out.append("\\n");
      } else if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 32 || c > 126) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
