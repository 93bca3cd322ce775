package org.entente.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.entente.cli.Cli;
import org.entente.cli.ExitCodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo empties only a directory it made itself; anything else is refused untouched. */
class DemoDirTest {
  @Test
  void demo_dirHoldsForeignFiles_refusedAndFilesKept(@TempDir Path dir) throws Exception {
    Path precious = Files.writeString(dir.resolve("thesis.tex"), "years of work");

    Cli.Result r = Cli.run("demo", "--dir", dir.toString());

    assertThat(r.exitCode()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err()).contains("refusing to empty it").doesNotContain("\tat ");
    assertThat(Files.readString(precious)).isEqualTo("years of work");
  }
}
