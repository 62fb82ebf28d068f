import type { z } from "zod";
import { ValidationError, type FieldErrors } from "./errors";
import { findUnstorableText } from "@/lib/domain/storable-text";

/** What a field error says when the field is missing (zod's own: "Invalid input: expected string, received undefined"). */
export const REQUIRED = "required";

/** Turns zod issues into `{ "path.to.field": "what was expected" }`, the API's error shape; a missing field is "required". */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : "body";
    const missing = issue.code === "invalid_type" && issue.message.endsWith("received undefined");
    fields[key] ??= missing ? REQUIRED : issue.message;
  }
  return fields;
}

/** Parses input at a service's edge; a bad input is a ValidationError naming every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  assertStorableText(input, "The input");
  const result = schema.safeParse(input);
  if (!result.success) {
    const fields = fieldErrorsOf(result.error);
    const names = Object.keys(fields);
    const only = names.length === 1 ? names[0]! : null;
    const allMissing = names.every((name) => fields[name] === REQUIRED);
    const message = only ? (allMissing ? `${only} is required.` : `Invalid ${only}: ${fields[only]}`) : allMissing ? `Missing required fields: ${names.join(", ")}.` : `Invalid input in ${names.length} fields: ${names.join(", ")}`;
    throw new ValidationError(message, fields);
  }
  return result.data;
}

/**
 * Refuses input holding text PostgreSQL cannot store (NUL, unpaired surrogates) before anything
 * reads the database with it: a 400 naming each field, never a 500 from the driver.
 *
 * @param where what the input is, for the message (`"The request body"`, `"The path"`)
 * @throws ValidationError (code `invalid_text`) with `{ field: reason }`
 */
export function assertStorableText(value: unknown, where: string, prefix = ""): void {
  const fields = findUnstorableText(value, prefix);
  const names = Object.keys(fields);
  if (names.length === 0) return;
  throw new ValidationError(`${where} holds text that cannot be stored in ${names.join(", ")}: ${fields[names[0]!]}.`, fields, "invalid_text");
}
