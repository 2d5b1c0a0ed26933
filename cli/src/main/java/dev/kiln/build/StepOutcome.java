package dev.kiln.build;

/** What became of a step. */
public enum StepOutcome {
  /** It was executed and made a layer (RUN, COPY, ADD). */
  RAN,
  /** Its layer came from the build cache; nothing was executed. */
  CACHED,
  /** It only changed the image config (ENV, LABEL, …) or the build's state (ARG, FROM). */
  CONFIG
}
