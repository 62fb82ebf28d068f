/** The closed vocabularies live in the domain (lib/domain/vocabulary.ts); the schema builds its CHECK constraints from them. */
export * from "@/lib/domain/vocabulary";

/** SQL literal list for a CHECK constraint: `'a', 'b'`. Values are our own constants, never input. */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(", ");
}
