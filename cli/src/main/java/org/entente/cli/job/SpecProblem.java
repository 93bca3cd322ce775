package org.entente.cli.job;

/** A problem at one field of a job file: the field's path, its line and what is wrong. */
final class SpecProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String path;
  private final int line;
  private final String problem;

  SpecProblem(String path, int line, String problem) {
    super(path + ": " + problem, null, false, false);
    this.path = path;
    this.line = line;
    this.problem = problem;
  }

  /** {@code file:LINE: PATH: problem}, or without the path when the whole file is at fault. */
  String describe(Object file) {
    return file + ":" + line + ": " + (path.isEmpty() ? "" : path + ": ") + problem;
  }
}
