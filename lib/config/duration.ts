import { z } from "zod";
import { describeValue } from "./primitives";

import { DURATION_HINT, DURATION_PATTERN, parseDuration } from "@/lib/domain/duration";

export { DURATION_HINT, DURATION_PATTERN, formatDuration, parseDuration } from "@/lib/domain/duration";

/**
 * A duration field: a string on the way in (with a `pattern` in the JSON Schema), milliseconds on
 * the way out. A missing value is left to the caller's "missing key" message.
 */
export function durationSchema() {
  const message = (issue: { input?: unknown }) => (issue.input === undefined ? undefined : `${DURATION_HINT}; got ${describeValue(issue.input)}`);
  return z
    .string({ error: message })
    .regex(DURATION_PATTERN, { error: message })
    .refine((text) => parseDuration(text) !== null, {
      // Only once the shape is right: "soon" gets one problem, not two.
      when: (payload) => typeof payload.value === "string" && DURATION_PATTERN.test(payload.value),
      error: (issue) => (/[1-9]/.test(String(issue.input)) ? `duration is too long; got ${describeValue(issue.input)}` : `duration must be greater than zero; got ${describeValue(issue.input)}`),
    })
    .transform((text) => parseDuration(text) as number);
}
