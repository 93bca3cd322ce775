package org.entente.coordinator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.io.File;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The pure decision packages (model, auth, errors) stay pure: no gRPC, ZooKeeper, network or file
 * types, and no hidden clock or sleeping; time is passed in. Each rule is also shown to fire on a
 * package that legitimately breaks it, so it cannot pass vacuously.
 */
class ArchitectureTest {
  private static final String[] PURE = {
    "org.entente.coordinator.model..",
    "org.entente.coordinator.auth..",
    "org.entente.coordinator.errors..",
    "org.entente.coordinator.scheduler..",
    "org.entente.coordinator.ledger.."
  };

  private static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("org.entente.coordinator");

  private static ArchRule noIoDependencies(String... packages) {
    return noClasses()
        .that()
        .resideInAnyPackage(packages)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.grpc..",
            "org.apache.curator..",
            "org.apache.zookeeper..",
            "java.net..",
            "java.nio.file..")
        .orShould()
        .dependOnClassesThat()
        .belongToAnyOf(File.class);
  }

  private static ArchRule noHiddenClockOrSleep(String... packages) {
    return noClasses()
        .that()
        .resideInAnyPackage(packages)
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(Thread.class, "sleep", long.class)
        .orShould()
        .callMethod(Thread.class, "sleep", long.class, int.class)
        .orShould()
        .callMethod(Instant.class, "now")
        .orShould()
        .callMethod(Clock.class, "systemUTC")
        .orShould()
        .callMethod(Clock.class, "systemDefaultZone");
  }

  @Test
  void purePackages_imported_holdTheDecisionClasses() {
    assertThat(MAIN.stream().map(JavaClass::getName))
        .contains(
            "org.entente.coordinator.auth.AccessPolicy",
            "org.entente.coordinator.model.RosterPlanner",
            "org.entente.coordinator.model.Resources",
            "org.entente.coordinator.errors.ForbiddenException",
            "org.entente.coordinator.scheduler.Scheduler",
            "org.entente.coordinator.model.JobLifecycle",
            "org.entente.coordinator.ledger.LogVerifier");
  }

  @Test
  void purePackages_dependencies_noGrpcZooKeeperNetworkOrFiles() {
    noIoDependencies(PURE).check(MAIN);
  }

  @Test
  void purePackages_calls_noSystemClockNanoTimeOrSleep() {
    noHiddenClockOrSleep(PURE).check(MAIN);
  }

  /**
   * The scheduler is stricter still: it sees only its own records, so it can be benchmarked and
   * reasoned about alone, not even protobuf or the rest of the coordinator.
   */
  @Test
  void scheduler_dependsOnlyOnTheJdkAndItself() {
    noClasses()
        .that()
        .resideInAPackage("org.entente.coordinator.scheduler..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("org.entente.coordinator.scheduler..", "java..")
        .check(MAIN);
  }

  @Test
  void scheduler_usesNoUnseededRandomness() {
    noClasses()
        .that()
        .resideInAPackage("org.entente.coordinator.scheduler..")
        .should()
        .dependOnClassesThat()
        .belongToAnyOf(java.util.Random.class, java.util.concurrent.ThreadLocalRandom.class)
        .orShould()
        .callMethod(Math.class, "random")
        .check(MAIN);
  }

  @Test
  void rules_appliedToIoPackages_reportViolations() {
    // zk talks to Curator; api calls System.nanoTime to time heartbeats.
    assertThatThrownBy(() -> noIoDependencies("org.entente.coordinator.zk..").check(MAIN))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("org.apache.curator");
    assertThatThrownBy(() -> noHiddenClockOrSleep("org.entente.coordinator.api..").check(MAIN))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("nanoTime");
  }
}
