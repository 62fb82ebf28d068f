/** The words the freeze form (and a person) uses for each field, for whole-form messages. */
export const FIELD_LABELS: Record<string, string> = {
  environment: "environment",
  name: "name",
  reason: "reason",
  startsAt: "start (From)",
  endsAt: "end (Until)",
  rrule: "recurrence rule",
  duration: "duration",
  durationMs: "duration",
  timezone: "time zone",
};
