package org.entente.agent.djl;

import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.TreeMap;
import org.entente.proto.v1.ModelHeader;

/**
 * The built-in models, defined in code (there is no model zoo offline):
 *
 * <ul>
 *   <li>{@code mlp}: a multilayer perceptron. Parameters {@code inputs} (features per example),
 *       {@code hidden} (hidden layer widths, comma-separated, e.g. {@code 64,32}; empty or absent
 *       for none, a linear classifier), {@code classes}. Each hidden layer is Linear then ReLU.
 *   <li>{@code cnn}: a small convolutional net for images. Parameters {@code channels}, {@code
 *       height}, {@code width} (at least 4 each side), {@code classes}. Layers: Conv2d 8 filters
 *       3x3 (padding 1), ReLU, max pool 2x2, Conv2d 16 filters 3x3, ReLU, max pool 2x2, flatten,
 *       Linear to the classes.
 * </ul>
 *
 * Both output one logit per class. A bad or missing parameter is an {@link
 * IllegalArgumentException} naming it ({@code parameters.hidden: ...}). Stateless and thread-safe.
 */
public final class Architectures {
  /** Name of the multilayer perceptron. */
  public static final String MLP = "mlp";

  /** Name of the convolutional net. */
  public static final String CNN = "cnn";

  /** The job parameter that names the architecture. */
  public static final String MODEL_PARAMETER = "model";

  private static final int MAX_UNITS = 1 << 16;
  private static final int MAX_INPUTS = 1 << 24;
  private static final int MAX_HIDDEN_LAYERS = 16;

  private Architectures() {}

  /** The architecture a job's parameters describe: {@code model} and that model's parameters. */
  public static Architecture fromJobParameters(Map<String, String> parameters) {
    String model = parameters.get(MODEL_PARAMETER);
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException(
          "parameters.model: missing, give the architecture to train (mlp or cnn)");
    }
    return of(model.strip(), parameters, "parameters.");
  }

  /** The architecture a model file's header describes. */
  public static Architecture fromHeader(ModelHeader header) {
    return of(
        header.getArchitecture(),
        header.getArchitectureParametersMap(),
        "model header architecture_parameters.");
  }

  /**
   * The architecture {@code name} with {@code parameters} (other keys are ignored).
   *
   * @param prefix how errors name a parameter, e.g. {@code "parameters."}
   */
  public static Architecture of(String name, Map<String, String> parameters, String prefix) {
    return switch (name) {
      case MLP -> mlp(parameters, prefix);
      case CNN -> cnn(parameters, prefix);
      default ->
          throw new IllegalArgumentException(
              (prefix.equals("parameters.") ? "parameters.model" : "model header architecture")
                  + ": unknown architecture '"
                  + JobParameters.printable(name)
                  + "', expected mlp or cnn");
    };
  }

  private static Architecture mlp(Map<String, String> p, String prefix) {
    int inputs = JobParameters.requiredInt(p, prefix, "inputs", 1, MAX_INPUTS);
    int[] hidden = hidden(p.getOrDefault("hidden", ""), prefix + "hidden");
    int classes = JobParameters.requiredInt(p, prefix, "classes", 2, MAX_UNITS);
    Map<String, String> own = new TreeMap<>();
    own.put("inputs", Integer.toString(inputs));
    own.put(
        "hidden",
        String.join(",", java.util.Arrays.stream(hidden).mapToObj(Integer::toString).toList()));
    own.put("classes", Integer.toString(classes));
    return new Architecture(MLP, own, new Shape(inputs), classes, hidden);
  }

  private static int[] hidden(String text, String qualifiedName) {
    if (text.isBlank()) {
      return new int[0];
    }
    String[] parts = text.split(",", -1);
    if (parts.length > MAX_HIDDEN_LAYERS) {
      throw new IllegalArgumentException(
          qualifiedName + ": at most " + MAX_HIDDEN_LAYERS + " hidden layers, got " + parts.length);
    }
    int[] widths = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i].strip();
      if (!part.matches("[0-9]{1,10}")
          || Long.parseLong(part) < 1
          || Long.parseLong(part) > MAX_UNITS) {
        throw new IllegalArgumentException(
            qualifiedName
                + ": must be layer widths from 1 to "
                + MAX_UNITS
                + " separated by commas (for example 64,32), got '"
                + JobParameters.printable(text)
                + "'");
      }
      widths[i] = Integer.parseInt(part);
    }
    return widths;
  }

  private static Architecture cnn(Map<String, String> p, String prefix) {
    int channels = JobParameters.requiredInt(p, prefix, "channels", 1, 64);
    int height = JobParameters.requiredInt(p, prefix, "height", 4, 4096);
    int width = JobParameters.requiredInt(p, prefix, "width", 4, 4096);
    int classes = JobParameters.requiredInt(p, prefix, "classes", 2, MAX_UNITS);
    if ((long) channels * height * width > MAX_INPUTS) {
      throw new IllegalArgumentException(
          prefix
              + "height: an image of "
              + channels
              + "x"
              + height
              + "x"
              + width
              + " is too large");
    }
    Map<String, String> own = new TreeMap<>();
    own.put("channels", Integer.toString(channels));
    own.put("height", Integer.toString(height));
    own.put("width", Integer.toString(width));
    own.put("classes", Integer.toString(classes));
    return new Architecture(CNN, own, new Shape(channels, height, width), classes, new int[0]);
  }
}
