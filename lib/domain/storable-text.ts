/**
 * Text PostgreSQL cannot store: a NUL character (U+0000; `text` columns refuse it) and unpaired
 * UTF-16 surrogates (not Unicode; they would be stored as U+FFFD, silently changing the value).
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The reason a string cannot be stored, or null when it can. */
export function unstorableTextReason(value: string): string | null {
  if (value.includes("\u0000")) return "must not contain NUL (\\u0000) characters";
  if (UNSTORABLE.test(value)) return "must be valid Unicode text (no unpaired surrogate \\ud800–\\udfff)";
  return null;
}

/**
 * Every string (and object key) in a JSON-like value that PostgreSQL cannot store, by field path.
 *
 * @param value a parsed JSON body, a params record, form input; anything
 * @param prefix the path of `value` itself (`""` for the root)
 * @returns `{ "path.to.field": reason }`, empty when everything can be stored; paths are joined
 *   with `.` (array items by index), the root string is reported as `prefix` or `body`
 */
export function findUnstorableText(value: unknown, prefix = ""): Record<string, string> {
  const found: Record<string, string> = {};
  const visit = (node: unknown, path: string, depth: number): void => {
    if (depth > 64) return;
    if (typeof node === "string") {
      const reason = unstorableTextReason(node);
      if (reason) found[path || "body"] ??= reason;
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, path ? `${path}.${index}` : String(index), depth + 1));
      return;
    }
    if (node && typeof node === "object" && (Object.getPrototypeOf(node) === Object.prototype || Object.getPrototypeOf(node) === null)) {
      for (const [key, item] of Object.entries(node as Record<string, unknown>)) {
        const keyPath = path ? `${path}.${key}` : key;
        const keyReason = unstorableTextReason(key);
        if (keyReason) {
          found[(path || "body") + " (a key)"] ??= `keys ${keyReason}`;
          continue;
        }
        visit(item, keyPath, depth + 1);
      }
    }
  };
  visit(value, prefix, 0);
  return found;
}
