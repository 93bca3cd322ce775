package org.entente.agent.shards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {
  @ParameterizedTest
  @CsvSource({"500ms, 500", "30s, 30000", "2m, 120000", "1h, 3600000", "0s, 0", "' 45s ', 45000"})
  void parse_wellFormed_givesTheDuration(String text, long millis) {
    assertThat(DurationText.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "10", "-1s", "1.5s", "10 s", "2d", "PT30S", "s", "9999999999s"})
  void parse_malformed_refusedSayingWhatIsExpected(String text) {
    assertThatThrownBy(() -> DurationText.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("must be a whole number followed by ms, s, m or h");
  }

  @ParameterizedTest
  @CsvSource({"500, 500ms", "1500, 1500ms", "30000, 30s", "90000, 90s", "120000, 2m", "0, 0ms"})
  void format_givesTheShortestExactForm(long millis, String text) {
    assertThat(DurationText.format(Duration.ofMillis(millis))).isEqualTo(text);
    assertThat(DurationText.parse(text)).isEqualTo(Duration.ofMillis(millis));
  }
}
