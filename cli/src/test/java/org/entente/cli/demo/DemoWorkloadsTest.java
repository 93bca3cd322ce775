package org.entente.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.entente.cli.job.JobSpecFile;
import org.entente.proto.v1.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoWorkloadsTest {
  @TempDir Path dir;

  @Test
  void jobFilesTheDemoWrites_readBackAsTheSpecsItSubmits() throws Exception {
    List<String> nations = List.of("DE", "FR", "JP");
    DemoData.Written data = new DemoData(1).write(dir, nations, 50, 20);
    DemoWorkloads w = new DemoWorkloads(null, null, nations);
    for (JobSpec spec :
        List.of(w.trainingSpec(data), w.inferenceSpec("a".repeat(64), data.heldOut().sha256()))) {
      Path file =
          Files.writeString(dir.resolve(spec.getName() + ".yaml"), DemoWorkloads.yaml(spec));
      assertThat(JobSpecFile.read(file)).isEqualTo(spec);
    }
  }

  @Test
  void demoData_isNonIid_andItsDigestsMatchTheFiles() throws Exception {
    DemoData.Written data = new DemoData(3).write(dir, List.of("DE", "FR", "JP"), 400, 40);
    int[][] counts = new int[3][DemoData.CLASSES];
    int n = 0;
    for (String nation : List.of("DE", "FR", "JP")) {
      DemoData.File f = data.partitions().get(nation);
      assertThat(DemoData.sha256(Files.readAllBytes(f.path()))).isEqualTo(f.sha256());
      for (String line : Files.readAllLines(f.path()).subList(1, f.rows() + 1)) {
        counts[n][Integer.parseInt(line.substring(line.lastIndexOf(',') + 1))]++;
      }
      n++;
    }
    // DE is mostly classes 0-1, JP mostly 2-3: the nations' data differ on purpose.
    assertThat(counts[0][0] + counts[0][1]).isGreaterThan(300);
    assertThat(counts[2][2] + counts[2][3]).isGreaterThan(300);
    assertThat(data.heldOutLabels()).hasSize(40);
  }
}
