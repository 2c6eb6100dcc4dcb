export * from "../../src/playground/emulator";
