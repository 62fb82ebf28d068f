/**
 * A review environment's name from its branch: the part a person recognises, as a DNS label
 * ("feature/Checkout_v2" → "checkout-v2"), unique among the names in use (a numeric suffix).
 */
export function reviewNameFromBranch(branch: string, taken: ReadonlySet<string>): string {
  const lastPart = branch.split("/").filter(Boolean).at(-1) ?? branch;
  let base = lastPart
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[^a-z]+/, "")
    .replace(/-+$/, "")
    .slice(0, 36)
    .replace(/-+$/, "");
  if (!base) base = "review";
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}
