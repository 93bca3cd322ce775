package org.entente.cli.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.entente.cli.ExitCodes;
import org.entente.cli.UserException;
import org.yaml.snakeyaml.error.MarkedYAMLException;

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
    String text = readText(file);
    try {
      checkFieldNames(file, text, MAPPER.constructType(type));
      return MAPPER.readValue(text, type);
    } catch (JsonMappingException e) {
      throw new UserException(ExitCodes.INVALID, describe(file, e));
    } catch (JsonProcessingException e) {
      throw new UserException(ExitCodes.INVALID, describeSyntax(file, e));
    } catch (IOException e) {
      throw new UserException(ExitCodes.INVALID, file + ": cannot read: " + e.getMessage());
    }
  }

  /**
   * The text of a YAML file that exists and is not blank; otherwise a {@link UserException}
   * (INVALID) naming the file.
   */
  public static String readText(Path file) {
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
    return text;
  }

  /**
   * A streaming parser over YAML text, for readers that need each token's line. Scalars keep their
   * source text ({@code getText()}), whatever type YAML resolves them to.
   */
  public static JsonParser parser(String text) throws IOException {
    return MAPPER.getFactory().createParser(text);
  }

  /** A YAML syntax error: the line it is on (0 when unknown) and what is wrong, on one line. */
  public record SyntaxError(int line, String problem) {}

  /** The line and one-line description of a YAML syntax error. */
  public static SyntaxError syntaxError(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    int line = at != null ? at.getLineNr() : -1;
    String problem = e.getOriginalMessage();
    if (e.getCause() instanceof MarkedYAMLException m) {
      if (m.getProblemMark() != null) {
        line = m.getProblemMark().getLine() + 1;
      }
      if (m.getProblem() != null) {
        problem = (m.getContext() != null ? m.getContext() + ": " : "") + m.getProblem();
      }
    }
    return new SyntaxError(
        Math.max(line, 0), String.valueOf(problem).replaceAll("\\s*\\R\\s*", " ").strip());
  }

  /**
   * Reports the first unknown field with the line it is on. Records are built through their
   * constructor, for which Jackson buffers unknown fields and reports them only after the whole
   * object (with the object's last line, or not at all when a required field is missing, as when a
   * required field's name is misspelt), so names are checked in a streaming pass first.
   */
  private static void checkFieldNames(Path file, String text, JavaType type) throws IOException {
    try (JsonParser p = MAPPER.getFactory().createParser(text)) {
      if (p.nextToken() != null) {
        walk(file, p, type, "");
      }
    }
  }

  private static void walk(Path file, JsonParser p, JavaType type, String path) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT && type.getRawClass().isRecord()) {
      Map<String, JavaType> known = new LinkedHashMap<>();
      for (BeanPropertyDefinition d :
          MAPPER.getDeserializationConfig().introspect(type).findProperties()) {
        known.put(d.getName(), d.getPrimaryType());
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        String at = path.isEmpty() ? name : path + "." + name;
        JavaType child = known.get(name);
        if (child == null) {
          throw new UserException(
              ExitCodes.INVALID,
              file
                  + " line "
                  + p.currentTokenLocation().getLineNr()
                  + ": field '"
                  + at
                  + "': unknown field '"
                  + name
                  + "'; known fields: "
                  + known.keySet());
        }
        p.nextToken();
        walk(file, p, child, at);
      }
    } else if (t == JsonToken.START_OBJECT && type.isMapLikeType()) {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        walk(file, p, type.getContentType(), path + "." + name);
      }
    } else if (t == JsonToken.START_ARRAY && type.isCollectionLikeType()) {
      int i = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        walk(file, p, type.getContentType(), path + "[" + i++ + "]");
      }
    } else {
      // A scalar, or a shape the mapper will report as the wrong type.
      p.skipChildren();
    }
  }

  /** A YAML syntax error as one line, with the line the problem is on. */
  static String describeSyntax(Path file, JsonProcessingException e) {
    SyntaxError s = syntaxError(e);
    return file + (s.line() > 0 ? " line " + s.line() : "") + ": not valid YAML: " + s.problem();
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
      String prop = e.getOriginalMessage().replaceAll("(?s).*property '([^']*)'.*", "$1");
      if (!field.equals(prop) && !field.endsWith("." + prop)) {
        field = field.isEmpty() ? prop : field + "." + prop;
      }
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
