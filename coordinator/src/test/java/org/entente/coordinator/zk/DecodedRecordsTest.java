package org.entente.coordinator.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

class DecodedRecordsTest {
  record Thing(String name, int n) {}

  private static ChildData znode(String path, long mzxid, Thing t) {
    Stat s = new Stat();
    s.setMzxid(mzxid);
    return new ChildData(path, s, Json.write(t));
  }

  @Test
  void aVersion_isDecodedOnce_andARewriteIsDecodedAgain() {
    DecodedRecords<Thing> memo = new DecodedRecords<>(Thing.class);
    Thing first = memo.of(znode("/a", 7, new Thing("a", 1)));
    assertThat(first).isEqualTo(new Thing("a", 1));
    // Same version: the very object decoded before.
    assertThat(memo.of(znode("/a", 7, new Thing("a", 1)))).isSameAs(first);
    // Rewritten: the new value, never the memo's.
    assertThat(memo.of(znode("/a", 8, new Thing("a", 2)))).isEqualTo(new Thing("a", 2));
  }

  @Test
  void unreadableData_fails_andIsNotRemembered() {
    DecodedRecords<Thing> memo = new DecodedRecords<>(Thing.class);
    Stat s = new Stat();
    s.setMzxid(3);
    ChildData bad = new ChildData("/b", s, "not json".getBytes());
    assertThatThrownBy(() -> memo.of(bad)).isInstanceOf(java.io.UncheckedIOException.class);
    assertThat(memo.size()).isZero();
  }

  @Test
  void deletedZnodes_areForgotten_onceTheMemoOutgrowsTheCache() {
    DecodedRecords<Thing> memo = new DecodedRecords<>(Thing.class);
    for (int i = 0; i < 200; i++) {
      memo.of(znode("/n" + i, 1, new Thing("n", i)));
    }
    memo.forgetDeleted(100, () -> Set.of("/n1", "/n2"));
    assertThat(memo.size()).isEqualTo(200);
    memo.forgetDeleted(2, () -> Set.of("/n1", "/n2"));
    assertThat(memo.size()).isEqualTo(2);
  }
}
