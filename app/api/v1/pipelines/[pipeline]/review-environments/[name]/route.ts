// The same handler as /api/v1/review-environments/[name], scoped by the path's {pipeline} (see lib/api/scope.ts).
export { GET, DELETE } from "@/app/api/v1/review-environments/[name]/route";
