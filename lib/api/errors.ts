import { NextResponse } from "next/server";
import { ServiceError, type FieldErrors } from "@/lib/services/errors";

export interface ApiErrorBody {
  error: { code: string; message: string; fields?: FieldErrors };
}

export function errorBody(code: string, message: string, fields?: FieldErrors): ApiErrorBody {
  return { error: { code, message, ...(fields && Object.keys(fields).length ? { fields } : {}) } };
}

export function errorResponse(status: number, code: string, message: string, fields?: FieldErrors): NextResponse<ApiErrorBody> {
  return NextResponse.json(errorBody(code, message, fields), { status });
}

/** Maps a thrown error to the contract's error shape; anything unexpected is a 500 without details. */
export function toErrorResponse(error: unknown): NextResponse<ApiErrorBody> {
  if (error instanceof ServiceError) return errorResponse(error.status, error.code, error.message, error.fields);
  console.error("[api] unexpected error:", error);
  return errorResponse(500, "internal", "Something went wrong on our side; the request changed nothing. Try again, and tell an admin if it keeps happening.");
}
