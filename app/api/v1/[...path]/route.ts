import { errorResponse } from "@/lib/api/errors";

/** Unknown API paths answer in the API's error shape, not with an HTML page. */
function notFound(request: Request) {
  const path = new URL(request.url).pathname;
  return errorResponse(404, "not_found", `No API endpoint ${request.method} ${path}. See /api/v1/openapi.json for the endpoints.`);
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
