import { ValidationError } from "@/lib/services/errors";
import { assertStorableText } from "@/lib/services/validation";

/** Request bodies larger than this are refused before they are parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = () => new ValidationError(`The request body is larger than ${MAX_BODY_BYTES} bytes.`, { body: `at most ${MAX_BODY_BYTES} bytes` }, "body_too_large");

function assertJsonContentType(request: Request): void {
  const contentType = request.headers.get("content-type") ?? "";
  if (contentType && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new ValidationError(`Expected a JSON body (Content-Type: application/json), got ${contentType}.`, { body: "expected application/json" }, "unsupported_media_type");
  }
}

/**
 * The exact bytes sent, size-limited while streaming (stops as soon as the limit is passed).
 * Webhooks check signatures over these bytes before anything is parsed.
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

/** A body already read (a webhook's, once its signature holds) as JSON. */
export function parseJsonBody(request: Request, text: string): unknown {
  assertJsonContentType(request);
  if (!text.trim()) throw new ValidationError("The request body is empty; expected a JSON object.", { body: "expected a JSON object" }, "invalid_json");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`The request body is not valid JSON: ${(error as Error).message}`, { body: "expected valid JSON" }, "invalid_json");
  }
  // A NUL or unpaired surrogate anywhere would reach PostgreSQL and fail there as a 500.
  assertStorableText(parsed, "The request body");
  return parsed;
}

/** Reads a JSON body with a size limit. */
export async function readJsonBody(request: Request): Promise<unknown> {
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) throw tooLarge();
  assertJsonContentType(request);
  return parseJsonBody(request, await readRawBody(request));
}

/**
 * A YAML document sent as text (`PUT /api/v1/pipelines/{name}`): Content-Type application/yaml,
 * text/yaml, application/x-yaml or text/plain, size-limited, storable text only.
 * @throws ValidationError `unsupported_media_type`, `body_too_large`, `invalid_text`
 */
export async function readYamlBody(request: Request): Promise<string> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^(application\/(x-)?yaml|text\/(x-)?yaml|text\/plain)\b/i.test(contentType)) {
    throw new ValidationError(`Expected the pipeline's YAML as the body (Content-Type: application/yaml or text/plain), got ${contentType || "no Content-Type"}.`, { body: "expected application/yaml" }, "unsupported_media_type");
  }
  const text = await readRawBody(request);
  assertStorableText(text, "The request body");
  return text;
}
