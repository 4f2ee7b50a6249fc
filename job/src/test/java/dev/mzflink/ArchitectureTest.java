package dev.mzflink;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Keeps the core pure: parsing, the catalog model, planning and translation do no JDBC, no Flink
 * and no I/O; only introspection talks to PostgreSQL for planning; only cli prints and exits.
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.mzflink");

  @Test
  void theCoreImportsNoJdbcFlinkOrIo() {
    noClasses()
        .that()
        .resideInAnyPackage("dev.mzflink.sql..", "dev.mzflink.translate..", "dev.mzflink.doctor..")
        .or()
        .resideInAPackage("dev.mzflink.catalog..")
        .and()
        .doNotHaveSimpleName("PgIntrospector")
        .and()
        .doNotHaveSimpleName("PgConnections")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "java.sql..", "org.apache.flink..", "java.io..", "java.nio.file..", "java.net.http..")
        .check(CLASSES);
  }

  @Test
  void theCoreDoesNotReachTheEdges() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.mzflink.sql..",
            "dev.mzflink.catalog..",
            "dev.mzflink.translate..",
            "dev.mzflink.doctor..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.mzflink.runtime..",
            "dev.mzflink.sink..",
            "dev.mzflink.cli..",
            "dev.mzflink.demo..")
        .check(CLASSES);
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
        .resideOutsideOfPackages("dev.mzflink.runtime..", "dev.mzflink.sink..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.flink.streaming..", "org.apache.flink.table.api..")
        .check(CLASSES);
  }
}
