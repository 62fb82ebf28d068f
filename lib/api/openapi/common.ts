import { z } from "zod";
import type { ZodOpenApiOperationObject } from "zod-openapi";
import { errorSchema } from "../schemas";

/** Building blocks shared by every part of the OpenAPI document. */
export const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });

export const errors = {
  "400": json(errorSchema, "Invalid input: `fields` names each bad field and what was expected (code `invalid_text` for text PostgreSQL cannot store: a NUL or an unpaired surrogate, in the body, path or query)"),
  "401": json(errorSchema, "Missing or bad token"),
  "403": json(errorSchema, "Not allowed for this token's user: checked before anything named is looked up, so the same whether or not it exists"),
};
export const notFound = { "404": json(errorSchema, "Not found") };
export const conflict = { "409": json(errorSchema, "Conflicts with the current state (e.g. a duplicate)") };
export const refused = { "422": json(errorSchema, "Valid, but refused by the rules") };

export const idempotencyHeader = z.object({
  "Idempotency-Key": z.string().optional().meta({ description: "Same key and body within 24 h return the first result and do nothing again" }),
});

/** A mutation: documents the Idempotency-Key header (and path parameters) the API honours. */
export function mutation(op: Omit<ZodOpenApiOperationObject, "requestParams"> & { path?: z.ZodObject }): ZodOpenApiOperationObject {
  const { path, ...rest } = op;
  return { ...rest, requestParams: { header: idempotencyHeader, ...(path ? { path } : {}) } };
}

/** A short, complete list (no paging): `nextCursor` is always null. */
export const listOf = <T extends z.ZodType>(item: T, id: string) => z.object({ items: z.array(item), nextCursor: z.null().meta({ description: "Always null: these lists are short and complete" }) }).meta({ id });
