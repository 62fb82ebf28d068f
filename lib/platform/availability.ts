import type { PlatformKind } from "@/lib/config/schema";

/**
 * Which platforms slipway.yaml may name, and whether this installation can run them. A platform
 * that is known but not available is refused at start-up,
 * never silently replaced by another.
 */
export const PLATFORM_AVAILABILITY: Record<PlatformKind, { available: true } | { available: false; why: string }> = {
  local: { available: true },
  kubernetes: { available: true },
};
