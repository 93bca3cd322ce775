package org.entente.cli.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The semantics of {@code deploy/render-template}, in Java: every {@code {{ .Values.a.b }}} (or
 * {@code {{.Values.a.b}}}) becomes the value of {@code a.b}, written as is; any {@code {{ ... }}}
 * left is an error naming it. Also reads a chart's {@code values.yaml} into the flat {@code a.b ->
 * text} map Helm's placeholders see.
 */
final class ValuesTemplate {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{ ?\\.Values\\.([A-Za-z0-9_.]+) ?}}");
  private static final Pattern ACTION = Pattern.compile("\\{\\{[^}]*}}");

  private ValuesTemplate() {}

  /** The rendered text; fails naming every placeholder or action left, with its line. */
  static String render(String text, Map<String, String> values) {
    StringBuilder out = new StringBuilder();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      String v = values.get(m.group(1));
      m.appendReplacement(out, "");
      out.append(v != null ? v : m.group());
    }
    m.appendTail(out);
    List<String> left = new ArrayList<>();
    String[] lines = out.toString().split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      Matcher a = ACTION.matcher(lines[i]);
      while (a.find()) {
        left.add("line " + (i + 1) + ": " + a.group());
      }
    }
    if (!left.isEmpty()) {
      throw new IllegalArgumentException("placeholders left unreplaced: " + left);
    }
    return out.toString();
  }

  /** The keys of every {@code {{ .Values.a.b }}} in {@code text}, in order of first use. */
  static Set<String> placeholders(String text) {
    Set<String> keys = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      keys.add(m.group(1));
    }
    return keys;
  }

  /**
   * Every leaf of a values file as {@code a.b -> its YAML text}, and every inner map's path too.
   */
  static Map<String, String> values(Path valuesYaml) throws IOException {
    Map<String, String> flat = new LinkedHashMap<>();
    flatten("", YAML.readTree(Files.readString(valuesYaml)), flat);
    return flat;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      if (!prefix.isEmpty()) {
        out.put(prefix, null);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
      }
    } else {
      out.put(prefix, node.isNull() ? "" : node.asText());
    }
  }
}
