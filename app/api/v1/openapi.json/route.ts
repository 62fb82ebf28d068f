import { NextResponse } from "next/server";
import { buildOpenApiDocument } from "@/lib/api/openapi";

let document: ReturnType<typeof buildOpenApiDocument> | undefined;

/** The API's OpenAPI 3.1 document; public, so tools can read it before they hold a token. */
export function GET() {
  document ??= buildOpenApiDocument();
  return NextResponse.json(document);
}
