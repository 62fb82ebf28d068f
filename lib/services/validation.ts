import type { z } from "zod";
import { ValidationError, type FieldErrors } from "./errors";

/** Turns zod issues into `{ "path.to.field": "what was expected" }`, the API's error shape. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : "body";
    fields[key] ??= issue.message;
  }
  return fields;
}

/** Parses input at a service's edge; a bad input is a ValidationError naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const fields = fieldErrorsOf(result.error);
    const names = Object.keys(fields);
    throw new ValidationError(
      names.length === 1 ? `Invalid ${names[0]}: ${fields[names[0]!]}` : `Invalid input in ${names.length} fields: ${names.join(", ")}`,
      fields,
    );
  }
  return result.data;
}
