package org.entente.agent.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.entente.proto.v1.Artifact;
import org.entente.proto.v1.ShardAssignment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvExamplesTest {
  @TempDir Path dir;

  private static final Artifact DATA = Artifact.newBuilder().setUri("file:/data.csv").build();
  private static final DataPartition WHOLE = new DataPartition(DATA, 0, 1, 0);

  private Path file(String text) throws IOException {
    return Files.writeString(dir.resolve("data.csv"), text);
  }

  @Test
  void readLabelled_headerAndBlankLines_skipped() throws IOException {
    Path f = file("a,b,label\n1,2,0\n\n  \n3.5, -4 ,1\r\n5,6e-1,2.0\n");

    Examples e = CsvExamples.readLabelled(f, "data.csv", 2, 3, WHOLE);

    assertThat(e.size()).isEqualTo(3);
    assertThat(e.features()).containsExactly(1, 2, 3.5f, -4, 5, 0.6f);
    assertThat(e.labels()).containsExactly(0, 1, 2);
    assertThat(e.rows()).containsExactly(0, 1, 2);
  }

  @Test
  void readLabelled_sharedFile_shardTakesEveryNthRow() throws IOException {
    Path f = file("x,y\n0,0\n1,1\n2,0\n3,1\n4,0\n");
    ShardAssignment a =
        ShardAssignment.newBuilder().setShard(1).setTotalShards(2).addData(DATA).build();

    Examples e = CsvExamples.readLabelled(f, "data.csv", 1, 2, DataPartition.of(a));

    assertThat(e.rows()).containsExactly(1, 3);
    assertThat(e.features()).containsExactly(1, 3);
  }

  @Test
  void readLabelled_malformedRow_namesFileLineAndColumn() throws IOException {
    Path f = file("x,label\n1,0\n\n2,abc\n");

    assertThatThrownBy(() -> CsvExamples.readLabelled(f, "data.csv", 1, 2, WHOLE))
        .isInstanceOf(IOException.class)
        .hasMessage("data.csv line 4, column 2: 'abc' is not a number");
  }

  @Test
  void readLabelled_wrongWidthOrLabel_namesTheLine() throws IOException {
    assertThatThrownBy(() -> CsvExamples.readLabelled(file("1,2,0\n1,0\n"), "d", 2, 2, WHOLE))
        .hasMessage("d line 2: expected 3 values (2 features and a class label), got 2");
    assertThatThrownBy(() -> CsvExamples.readLabelled(file("1,2,2\n"), "d", 2, 2, WHOLE))
        .hasMessage(
            "d line 1: the class label (last column) must be a whole number from 0 to 1, got 2.0");
    assertThatThrownBy(() -> CsvExamples.readLabelled(file("1,NaN,0\n"), "d", 2, 2, WHOLE))
        .hasMessage("d line 1, column 2: NaN is not finite");
  }

  @Test
  void readFeatures_widthFromFirstRow_laterRowsMustMatch() throws IOException {
    Examples e = CsvExamples.readFeatures(file("1,2,3\n4,5,6\n"), "d", 0, WHOLE);
    assertThat(e.width()).isEqualTo(3);
    assertThat(e.labelled()).isFalse();

    assertThatThrownBy(() -> CsvExamples.readFeatures(file("1,2,3\n4,5\n"), "d", 0, WHOLE))
        .hasMessage("d line 2: expected 3 values (3 features), got 2");
  }

  @Test
  void dataPartition_oneFilePerShardOrShared_elseRefused() {
    Artifact other = Artifact.newBuilder().setUri("file:/b.csv").build();
    ShardAssignment.Builder a = ShardAssignment.newBuilder().setShard(1).setTotalShards(2);

    assertThat(DataPartition.of(a.clone().addData(DATA).addData(other).build()))
        .isEqualTo(new DataPartition(other, 1, 1, 0));
    assertThat(DataPartition.of(a.clone().addData(DATA).build()))
        .isEqualTo(new DataPartition(DATA, 0, 2, 1));
    assertThatThrownBy(() -> DataPartition.of(a.clone().build()))
        .hasMessage("the job has no data artifact");
    assertThatThrownBy(
            () ->
                DataPartition.of(a.clone().setTotalShards(3).addData(DATA).addData(other).build()))
        .hasMessageStartingWith("the job has 2 data artifacts for 3 shards");
  }
}
