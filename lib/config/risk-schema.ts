import picomatch from "picomatch";
import { z } from "zod";
import { nonEmptyString, uniqueBy } from "./primitives";

/** Why `pattern` is not a usable glob, or null. */
function globProblem(pattern: string): string | null {
  try {
    picomatch.makeRe(pattern, { dot: true });
    return null;
  } catch (error) {
    return `"${pattern}" is not a valid glob: ${(error as Error).message}`;
  }
}

/**
 * `when:` on an approval rule or a checklist item: it applies only to a release that, compared
 * with what the environment runs now, changes a file matching `changedPaths` or carries one of
 * `labels`. A release whose changes CI did not report counts as risky (fails closed).
 */
export const riskConditionSchema = z
  .strictObject({
    changedPaths: z
      .array(nonEmptyString().refine((p) => globProblem(p) === null, { error: (issue) => globProblem(String(issue.input)) ?? "invalid glob" }))
      .min(1)
      .superRefine(uniqueBy((p) => p, "path"))
      .optional()
      .describe('Glob patterns of repository paths, e.g. ["**/migrations/**", "iam/**", "services/payments/**"].'),
    labels: z
      .array(nonEmptyString())
      .min(1)
      .superRefine(uniqueBy((l) => l, "label"))
      .optional()
      .describe('Build labels CI sets when registering a build, e.g. ["iam", "payments"].'),
  })
  .refine((c) => c.changedPaths !== undefined || c.labels !== undefined, {
    error: "expected `changedPaths`, `labels` or both",
    // Only for a condition that is otherwise well-formed: an unknown key already says what is wrong.
    when: (payload) => payload.issues.length === 0,
  })
  .describe("Applies only when the release changes matching files or carries one of the labels (unknown changes count as risky).");

export const checklistEntrySchema = z
  .union([nonEmptyString(), z.strictObject({ item: nonEmptyString().describe("What the person promoting must confirm."), when: riskConditionSchema })])
  .describe('A pre-flight item: "text", or { item: "text", when: { changedPaths: [...] } } to ask it only for risky releases.');

export type RiskConditionConfig = z.output<typeof riskConditionSchema>;
export type ChecklistEntryConfig = z.output<typeof checklistEntrySchema>;
