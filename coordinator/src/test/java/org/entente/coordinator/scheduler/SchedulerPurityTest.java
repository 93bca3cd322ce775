package org.entente.coordinator.scheduler;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.File;
import java.time.Clock;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The scheduler package is a pure function of its snapshot: no I/O, no clock, no sleeping, no
 * randomness other than what the snapshot's seed drives.
 */
class SchedulerPurityTest {
  private static final JavaClasses SCHEDULER =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("org.entente.coordinator.scheduler");

  @Test
  void scheduler_imported_holdsTheScheduler() {
    assertThat(SCHEDULER.contain(Scheduler.class)).isTrue();
    assertThat(SCHEDULER.contain(PreemptionPlanner.class)).isTrue();
  }

  @Test
  void scheduler_dependencies_noIoGrpcZooKeeperOrProtobuf() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.grpc..",
            "org.apache.curator..",
            "org.apache.zookeeper..",
            "com.google.protobuf..",
            "org.entente.proto..",
            "java.io..",
            "java.net..",
            "java.nio.file..")
        .orShould()
        .dependOnClassesThat()
        .belongToAnyOf(File.class)
        .check(SCHEDULER);
  }

  @Test
  void scheduler_calls_noClockSleepOrUnseededRandomness() {
    noClasses()
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(Thread.class, "sleep", long.class)
        .orShould()
        .callMethod(Instant.class, "now")
        .orShould()
        .callMethod(Clock.class, "systemUTC")
        .orShould()
        .callMethod(Math.class, "random")
        .orShould()
        .dependOnClassesThat()
        .belongToAnyOf(Random.class, ThreadLocalRandom.class)
        .check(SCHEDULER);
  }
}
