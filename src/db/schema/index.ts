export * from "./regions";
export * from "./users";
export * from "./conversations";
export * from "./actions";
export * from "./marathons";
export * from "./hours";
export * from "./clubs";
export * from "./outbox";
