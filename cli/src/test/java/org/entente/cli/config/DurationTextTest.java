package org.entente.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationTextTest {
  @ParameterizedTest
  @CsvSource({
    "500ms, PT0.5S",
    "0ms, PT0S",
    "10s, PT10S",
    "2m, PT2M",
    "1h, PT1H",
    "90m, PT1H30M",
    "' 15s ', PT15S",
    "999999999ms, PT277H46M39.999S"
  })
  void parse_validText_givesDuration(String text, String expected) {
    assertThat(DurationText.parse(text)).isEqualTo(Duration.parse(expected));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10",
        "10 seconds",
        "10 s",
        "1.5s",
        "-1s",
        "10S",
        "s",
        "10d",
        "PT10S",
        "1234567890s",
        "ten seconds"
      })
  void parse_invalidText_namesTextAndSuggestsForm(String text) {
    assertThatThrownBy(() -> DurationText.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "' is not a duration")
        .hasMessageContaining("ms, s, m or h")
        .hasMessageContaining("for example 10s");
  }

  @ParameterizedTest
  @NullAndEmptySource
  void parse_nullOrEmpty_isRejected(String text) {
    assertThatThrownBy(() -> DurationText.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a duration");
  }

  @Test
  void parse_largestNumberOfHours_doesNotOverflow() {
    assertThat(DurationText.parse("999999999h")).isEqualTo(Duration.ofHours(999_999_999L));
  }
}
