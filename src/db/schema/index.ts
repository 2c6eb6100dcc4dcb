export * from "./regions";
export * from "./users";
export * from "./conversations";
