/** Notifications: queue inside the announcing transaction (enqueue), send from the controller (dispatch). */
export * from "./events";
export { enqueueNotification, type StoredPayload } from "./enqueue";
export { dispatchDue, MAX_ATTEMPTS, RETRY_BACKOFF_MS, type DispatchOptions, type DispatchResult } from "./dispatch";
export { renderSlackMessage, type SlackMessage } from "./slack";
export { buildWebhookRequest, type WebhookBody } from "./webhook";
export { signPayload, verifySignature, type VerifyOptions } from "./signature";
