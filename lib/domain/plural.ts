/**
 * "1 item", "3 items". On its own (no imports) so client components can use it without pulling
 * the gate formatters' time-zone library into the browser's bundle.
 */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
