/**
 * How a person is named wherever Slipway shows who did something (a release's author, who deployed a
 * board cell, a Slack message): their name, or their email when the name is blank. Pages put the
 * email in a tooltip beside it where they have room.
 */
export function personName(person: { name: string; email?: string | null | undefined }): string {
  return person.name.trim() || person.email || "";
}
