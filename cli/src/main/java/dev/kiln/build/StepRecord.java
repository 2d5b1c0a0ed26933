package dev.kiln.build;

/**
 * One step in a finished build's report.
 *
 * @param step the step
 * @param outcome what became of it
 */
public record StepRecord(Step step, StepOutcome outcome) {}
