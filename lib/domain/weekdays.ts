/** Days of the week as slipway.yaml writes them, Monday first (ISO 8601 order, luxon's `weekday` 1–7). */
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
