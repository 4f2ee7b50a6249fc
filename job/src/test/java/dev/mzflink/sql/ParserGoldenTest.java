package dev.mzflink.sql;

import dev.mzflink.UserError;
import dev.mzflink.testing.GoldenFile;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Golden tests of the parser: each statement printed back in canonical form, or the error as the
 * command line prints it.
 */
class ParserGoldenTest {
  @Test
  void statementsParseAndPrintAsInTheGoldenFile() throws Exception {
    GoldenFile.check(GoldenFile.path("parser.txt"), ParserGoldenTest::run);
  }

  static String run(String directive, String input) {
    if (!directive.equals("parse")) {
      throw new IllegalArgumentException("unknown directive " + directive);
    }
    try {
      List<Statement> statements = Parser.parse(input);
      return statements.stream().map(StatementPrinter::print).collect(Collectors.joining("\n"));
    } catch (UserError e) {
      return "error: " + e.render(Optional.of(input));
    }
  }
}
