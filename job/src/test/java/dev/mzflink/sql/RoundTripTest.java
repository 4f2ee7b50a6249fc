package dev.mzflink.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mzflink.testing.GoldenFile;
import java.util.List;
import org.junit.jupiter.api.Test;

/** print(parse(x)) parses to the same statements, for every parsable script of the golden file. */
class RoundTripTest {
  @Test
  void printedStatementsParseBackToTheSameStatements() throws Exception {
    int checked = 0;
    for (GoldenFile.Case c : GoldenFile.read(GoldenFile.path("parser.txt"))) {
      if (c.expected().startsWith("error:")) {
        continue;
      }
      List<Statement> first = Parser.parse(c.input());
      for (Statement statement : first) {
        String printed = StatementPrinter.print(statement);
        List<Statement> again = Parser.parse(printed);
        assertThat(again).hasSize(1);
        assertThat(StatementPrinter.print(again.get(0))).as(printed).isEqualTo(printed);
        assertThat(withoutPositions(again.get(0))).isEqualTo(withoutPositions(statement));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(20);
  }

  /** The statement with positions and raw query text normalized, for comparison. */
  private static String withoutPositions(Statement s) {
    return s.toString().replaceAll("SourcePosition\\[[^\\]]*\\]", "_");
  }
}
