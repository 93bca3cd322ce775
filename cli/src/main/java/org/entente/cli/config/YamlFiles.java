package org.entente.cli.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;

/**
 * Reads YAML files into fixed record types. Unknown fields, wrong types, bad durations and missing
 * required fields are errors that name the file, the line and the field path. Thread-safe.
 */
public final class YamlFiles {
  private static final ObjectMapper MAPPER = mapper();

  private YamlFiles() {}

  private static ObjectMapper mapper() {
    SimpleModule durations = new SimpleModule();
    durations.addDeserializer(
        Duration.class,
        new JsonDeserializer<>() {
          @Override
          public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            try {
              return DurationText.parse(p.getValueAsString());
            } catch (IllegalArgumentException e) {
              throw JsonMappingException.from(p, e.getMessage());
            }
          }
        });
    return new ObjectMapper(new YAMLFactory())
        .registerModule(durations)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  }

  /** Reads {@code file} as {@code type}; every problem is a {@link UserException} (INVALID). */
  public static <T> T read(Path file, Class<T> type) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new UserException(ExitCodes.INVALID, file + ": no such file");
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, file + ": cannot read: " + e.getMessage());
    }
    if (text.isBlank()) {
      throw new UserException(ExitCodes.INVALID, file + ": the file is empty");
    }
    try {
      return MAPPER.readValue(text, type);
    } catch (JsonMappingException e) {
      throw new UserException(ExitCodes.INVALID, describe(file, e));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new UserException(
          ExitCodes.INVALID,
          file
              + (at != null ? " line " + at.getLineNr() : "")
              + ": not valid YAML: "
              + e.getOriginalMessage());
    }
  }

  static String describe(Path file, JsonMappingException e) {
    String field =
        e.getPath().stream()
            .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
            .collect(Collectors.joining("."))
            .replace(".[", "[");
    JsonLocation at = e.getLocation();
    String message = e.getOriginalMessage();
    if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException u) {
      message =
          "unknown field '" + u.getPropertyName() + "'; known fields: " + u.getKnownPropertyIds();
    } else if (message != null && message.startsWith("Missing required creator property")) {
      message = "required field is missing";
      String prop = e.getOriginalMessage().replaceAll(".*property '([^']*)'.*", "$1");
      field = field.isEmpty() ? prop : field + "." + prop;
    } else if (e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException f) {
      message = "value '" + f.getValue() + "' is not a valid " + f.getTargetType().getSimpleName();
    } else if (message != null) {
      message = message.replaceAll("\\s*\\(through reference chain.*", "").replaceAll("\\n.*", "");
    }
    return file
        + (at != null && at.getLineNr() > 0 ? " line " + at.getLineNr() : "")
        + (field.isEmpty() ? "" : ": field '" + field + "'")
        + ": "
        + message;
  }
}
