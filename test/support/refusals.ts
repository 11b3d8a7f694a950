import { expect } from 'vitest';

/** Asserts that `f` throws an instance of `kind` whose message matches `message`; returns that error. */
export function expectRefusal<E extends Error>(kind: abstract new (...args: never[]) => E, f: () => unknown, message: RegExp): E {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(kind);
  expect((error as E).message).toMatch(message);
  return error as E;
}
