import { ValidationError } from "@/lib/services/errors";

/** Request bodies larger than this are refused before they are parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = () =>
  new ValidationError(`The request body is larger than ${MAX_BODY_BYTES} bytes.`, { body: `at most ${MAX_BODY_BYTES} bytes` }, "body_too_large");

/** Reads a JSON body with a size limit, stopping as soon as the limit is passed. */
export async function readJsonBody(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const contentType = request.headers.get("content-type") ?? "";
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new ValidationError(`Expected a JSON body (Content-Type: application/json), got ${contentType}.`, { body: "expected application/json" }, "unsupported_media_type");
  }
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
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text.trim()) throw new ValidationError("The request body is empty; expected a JSON object.", { body: "expected a JSON object" }, "invalid_json");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`The request body is not valid JSON: ${(error as Error).message}`, { body: "expected valid JSON" }, "invalid_json");
  }
}
