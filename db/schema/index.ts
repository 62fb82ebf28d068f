export * from "./identity";
export * from "./pipeline";
export * from "./releases";
export * from "./deployments";
export * from "./operations";
export * from "./audit";
export * from "./system";
export * from "./relations";
