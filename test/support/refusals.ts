import { expect } from 'vitest';

/** Asserts that `f` throws an instance of `kind` whose message matches `message`. */
export function expectRefusal(kind: abstract new (...args: never[]) => Error, f: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toMatch(message);
}
