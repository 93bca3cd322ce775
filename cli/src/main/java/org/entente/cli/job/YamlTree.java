package org.entente.cli.job;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree in which every node knows its field path ({@code data[0].sha256}) and
 * the line it is written on, so that every problem can be reported where it is. Scalars keep their
 * source text: {@code NO} stays the nation code it was meant to be, not a boolean. Immutable once
 * parsed.
 */
final class YamlTree {
  private YamlTree() {}

  /** A node of the tree. */
  sealed interface Node permits Scalar, Mapping, Sequence {
    /** Field path from the document root ("" for the root). */
    String path();

    /** Line of the key that introduces the node, or of the list item. */
    int line();

    default SpecProblem problem(String what) {
      return new SpecProblem(path(), line(), what);
    }

    default Mapping mapping() {
      if (this instanceof Mapping m) {
        return m;
      }
      throw problem("must be a mapping of fields, got " + shape());
    }

    default Sequence sequence() {
      if (this instanceof Sequence s) {
        return s;
      }
      throw problem("must be a list, got " + shape());
    }

    /** Any scalar, as written in the file. */
    default String text() {
      if (this instanceof Scalar s && s.token() != JsonToken.VALUE_NULL) {
        return s.text();
      }
      throw problem(
          this instanceof Scalar ? "needs a value" : "must be a single value, got " + shape());
    }

    /** A whole number within {@code [min, max]}. */
    default int integer(int min, int max) {
      String t = text();
      if (!(this instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT)
          || !t.matches("-?[0-9]+")) {
        throw problem("must be a whole number, got '" + t + "'");
      }
      BigInteger v = new BigInteger(t);
      if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
        throw problem("must be between " + min + " and " + max + ", got " + t);
      }
      return v.intValueExact();
    }

    /** {@code true} or {@code false}. */
    default boolean bool() {
      String t = text();
      if (t.equalsIgnoreCase("true")) {
        return true;
      }
      if (t.equalsIgnoreCase("false")) {
        return false;
      }
      throw problem("must be true or false, got '" + t + "'");
    }

    private String shape() {
      if (this instanceof Scalar s) {
        return "'" + s.text() + "'";
      }
      return this instanceof Mapping ? "a mapping" : "a list";
    }
  }

  /** A single value; {@code token} says what YAML resolved it to. */
  record Scalar(String path, int line, JsonToken token, String text) implements Node {}

  /** Fields in file order. */
  record Mapping(String path, int line, Map<String, Node> fields) implements Node {
    /** Rejects the first field (in file order) that is not one of {@code known}. */
    Mapping allowOnly(List<String> known) {
      for (var e : fields.entrySet()) {
        if (!known.contains(e.getKey())) {
          throw e.getValue().problem("unknown field; known fields: " + String.join(", ", known));
        }
      }
      return this;
    }

    /** The field's node, or null when it is absent or has no value. */
    Node get(String name) {
      Node n = fields.get(name);
      return n instanceof Scalar s && s.token() == JsonToken.VALUE_NULL ? null : n;
    }

    /** The field's node; absent or empty is a problem reported at this mapping. */
    Node require(String name) {
      Node n = get(name);
      if (n == null) {
        throw new SpecProblem(
            path.isEmpty() ? name : path + "." + name,
            fields.containsKey(name) ? fields.get(name).line() : line,
            fields.containsKey(name) ? "needs a value" : "required field is missing");
      }
      return n;
    }
  }

  /** Items in file order. */
  record Sequence(String path, int line, List<Node> items) implements Node {}

  /** Parses the one document {@code p} holds. */
  static Node parse(JsonParser p) throws IOException {
    JsonToken first = p.nextToken();
    if (first == null) {
      throw new SpecProblem("", 1, "the file holds no YAML document");
    }
    Node root = node(p, "", p.currentTokenLocation().getLineNr());
    if (p.nextToken() != null) {
      throw new SpecProblem(
          "", p.currentTokenLocation().getLineNr(), "only one YAML document is allowed");
    }
    return root;
  }

  private static Node node(JsonParser p, String path, int line) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      Map<String, Node> fields = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        String at = path.isEmpty() ? name : path + "." + name;
        int keyLine = p.currentTokenLocation().getLineNr();
        if (fields.containsKey(name)) {
          throw new SpecProblem(
              at, keyLine, "appears twice (first on line " + fields.get(name).line() + ")");
        }
        p.nextToken();
        fields.put(name, node(p, at, keyLine));
      }
      return new Mapping(path, line, fields);
    }
    if (t == JsonToken.START_ARRAY) {
      List<Node> items = new ArrayList<>();
      while (p.nextToken() != JsonToken.END_ARRAY) {
        items.add(node(p, path + "[" + items.size() + "]", p.currentTokenLocation().getLineNr()));
      }
      return new Sequence(path, line, items);
    }
    return new Scalar(path, line, t, t == JsonToken.VALUE_NULL ? "" : p.getText());
  }

  /** Records the line of every node under {@code n} by path. */
  static void index(Node n, Map<String, Integer> lines) {
    lines.put(n.path(), n.line());
    if (n instanceof Mapping m) {
      m.fields().values().forEach(c -> index(c, lines));
    } else if (n instanceof Sequence s) {
      s.items().forEach(c -> index(c, lines));
    }
  }
}
