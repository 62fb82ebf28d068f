import { NextResponse } from "next/server";
import { AmbiguousError, ServiceError, conflictFromUniqueViolation, type ErrorCode, type FieldErrors } from "@/lib/services/errors";

export interface ApiErrorBody {
  /** `candidates`: with code `ambiguous` (409), the qualified references to choose from ("shop/dev"). */
  error: { code: ErrorCode; message: string; fields?: FieldErrors; candidates?: string[] };
}

export function errorBody(code: ErrorCode, message: string, fields?: FieldErrors): ApiErrorBody {
  return { error: { code, message, ...(fields && Object.keys(fields).length ? { fields } : {}) } };
}

export function errorResponse(status: number, code: ErrorCode, message: string, fields?: FieldErrors): NextResponse<ApiErrorBody> {
  return NextResponse.json(errorBody(code, message, fields), { status });
}

/** Maps a thrown error to the contract's error shape; anything unexpected is a 500 without details. */
export function toErrorResponse(error: unknown): NextResponse<ApiErrorBody> {
  if (error instanceof AmbiguousError) {
    const body = errorBody(error.code, error.message, error.fields);
    return NextResponse.json({ error: { ...body.error, candidates: error.candidates } }, { status: error.status });
  }
  if (error instanceof ServiceError) return errorResponse(error.status, error.code, error.message, error.fields);
  const conflict = conflictFromUniqueViolation(error);
  if (conflict) return errorResponse(conflict.status, conflict.code, conflict.message);
  console.error("[api] unexpected error:", error);
  return errorResponse(500, "internal", "Something went wrong on our side; the request changed nothing. Try again, and tell an admin if it keeps happening.");
}
