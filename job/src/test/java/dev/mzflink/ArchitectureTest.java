package dev.mzflink;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the layering: a pure core (parsing, the catalog model, analysis, planning, translation, the
 * doctor and the compile step) that does no JDBC, no Flink and no I/O and reads no environment;
 * PostgreSQL reached only from the edges; no cycles between packages; only cli prints and exits;
 * only the runtime and the sink build Flink jobs; no main source file too long to read.
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.mzflink");

  /** The pure core: functions of text and values. */
  private static final String[] CORE = {
    "dev.mzflink",
    "dev.mzflink.sql..",
    "dev.mzflink.catalog..",
    "dev.mzflink.analyze..",
    "dev.mzflink.plan..",
    "dev.mzflink.translate..",
    "dev.mzflink.doctor..",
    "dev.mzflink.compile.."
  };

  /** The packages that may talk to PostgreSQL. */
  private static final String[] POSTGRES_EDGES = {
    "dev.mzflink.pg..",
    "dev.mzflink.runtime..",
    "dev.mzflink.source..",
    "dev.mzflink.sink..",
    "dev.mzflink.status..",
    "dev.mzflink.cli..",
    "dev.mzflink.demo.."
  };

  /** Longest main source file, in lines. */
  private static final int MAX_LINES = 700;

  @Test
  void theCoreImportsNoJdbcFlinkOrIo() {
    noClasses()
        .that()
        .resideInAnyPackage(CORE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "java.sql..",
            "org.postgresql..",
            "org.apache.flink..",
            "java.io..",
            "java.nio.file..",
            "java.net.http..")
        .check(CLASSES);
  }

  @Test
  void theCoreReadsNoEnvironment() {
    noClasses()
        .that()
        .resideInAnyPackage(CORE)
        .should()
        .callMethod(System.class, "getenv")
        .orShould()
        .callMethod(System.class, "getenv", String.class)
        .check(CLASSES);
  }

  @Test
  void theCoreDoesNotReachTheEdges() {
    noClasses()
        .that()
        .resideInAnyPackage(CORE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(POSTGRES_EDGES)
        .allowEmptyShould(true)
        .check(CLASSES);
  }

  @Test
  void onlyTheEdgesTalkToPostgres() {
    noClasses()
        .that()
        .resideOutsideOfPackages(POSTGRES_EDGES)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.sql..", "org.postgresql..")
        .check(CLASSES);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("dev.mzflink.(**)").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void onlyTheCommandLinePrintsAndExits() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.mzflink.cli..")
        .should()
        .callMethod(System.class, "exit", int.class)
        .orShould()
        .accessField(System.class, "out")
        .orShould()
        .accessField(System.class, "err")
        .check(CLASSES);
  }

  @Test
  void onlyTheRuntimeBuildsFlinkJobs() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "dev.mzflink.runtime..", "dev.mzflink.source..", "dev.mzflink.sink..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.flink.streaming..", "org.apache.flink.table.api..")
        .check(CLASSES);
  }

  @Test
  void noMainSourceFileIsLongerThanSevenHundredLines() throws IOException {
    Path main = Path.of("src/main/java/dev/mzflink");
    List<String> tooLong;
    try (Stream<Path> files = Files.walk(main)) {
      tooLong =
          files
              .filter(p -> p.toString().endsWith(".java"))
              .filter(p -> lines(p) > MAX_LINES)
              .map(p -> main.relativize(p) + " (" + lines(p) + " lines)")
              .sorted()
              .toList();
    }
    assertThat(tooLong).as("main source files over " + MAX_LINES + " lines").isEmpty();
  }

  private static long lines(Path file) {
    try (Stream<String> lines = Files.lines(file)) {
      return lines.count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
