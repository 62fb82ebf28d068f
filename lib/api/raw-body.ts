import { MAX_BODY_BYTES } from "./body";
import { ValidationError } from "@/lib/services/errors";

const tooLarge = () => new ValidationError(`The request body is larger than ${MAX_BODY_BYTES} bytes.`, { body: `at most ${MAX_BODY_BYTES} bytes` }, "body_too_large");

/**
 * The exact bytes a webhook sent, for signature checks (an HMAC covers the raw body, so it is read
 * before any JSON parsing), size-limited while streaming.
 */
export async function readRawBody(request: Request): Promise<string> {
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) throw tooLarge();
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A webhook's JSON body, once its signature holds. */
export function parseJsonBody(request: Request, raw: string): unknown {
  const contentType = request.headers.get("content-type") ?? "";
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new ValidationError(`Expected a JSON body (Content-Type: application/json), got ${contentType}.`, { body: "expected application/json" }, "unsupported_media_type");
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ValidationError(`The request body is not valid JSON: ${(error as Error).message}`, { body: "expected a JSON object" }, "invalid_json");
  }
}
