// The coordinator's table of refusals (coordinator/refusals.ts): one row per error code of the protocol,
// each with a unique counter label; the push-scope labels are the ones whose series exist from the
// start; off-pace pushes (stale, duplicate, future) are answered with W and keep the connection; a
// refusal no later frame on the connection can mend closes it.
import { describe, expect, it } from 'vitest';
import { assemblyReason, TASK_STATE_REFUSAL_LABELS } from '../../coordinator/task-state-checks.js';
import { CoordinatorMetrics } from '../../coordinator/metrics.js';
import { PUSH_REFUSAL_LABELS, REFUSALS, refusalOf } from '../../coordinator/refusals.js';
import { ErrorCode } from '../../proto/codec.js';

/** Every code the protocol defines, by name (the generated enum's own keys are the names). */
const CODES: [string, ErrorCode][] = Object.entries(ErrorCode).filter((e): e is [string, ErrorCode] => typeof e[1] === 'number');

describe('the refusal table', () => {
  it('knows the protocol codes', () => {
    // A guard on the enumeration itself: the table test below is only as good as this list.
    expect(CODES.length).toBeGreaterThanOrEqual(18);
    for (const name of ['UNSPECIFIED', 'MALFORMED', 'STALE', 'DUPLICATE', 'FUTURE', 'TRAINING_OVER', 'ENCODING']) expect(CODES.map(([n]) => n)).toContain(name);
  });

  it('has a row for every ErrorCode, and no row for a code the protocol lacks', () => {
    for (const [name, code] of CODES) {
      const row = REFUSALS[code];
      expect(row, `row of ${name}`).toBeDefined();
      expect(row.label, `label of ${name}`).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(['push', 'taskState', 'connection'], `scope of ${name}`).toContain(row.scope);
      expect(typeof row.fatal).toBe('boolean');
      expect(typeof row.resend).toBe('boolean');
      // refusalOf finds the row itself.
      expect(refusalOf(code)).toBe(row);
    }
    expect(
      Object.keys(REFUSALS)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(CODES.map(([, c]) => c).sort((a, b) => a - b));
  });

  it('gives every row its own label', () => {
    const labels = Object.values(REFUSALS).map((r) => r.label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('PUSH_REFUSAL_LABELS are exactly the labels of the push-scope rows', () => {
    const push = Object.values(REFUSALS)
      .filter((r) => r.scope === 'push')
      .map((r) => r.label);
    expect([...PUSH_REFUSAL_LABELS].sort()).toEqual([...push].sort());
    expect(new Set(PUSH_REFUSAL_LABELS).size).toBe(PUSH_REFUSAL_LABELS.length);
    for (const label of ['stale', 'duplicate', 'future', 'shape', 'non_finite']) expect(PUSH_REFUSAL_LABELS).toContain(label);
    // Connection-scope labels are not among them.
    for (const label of ['malformed', 'fingerprint', 'unauthorized', 'task_taken']) expect(PUSH_REFUSAL_LABELS).not.toContain(label);
  });

  it('labels STALE, DUPLICATE and FUTURE as pushes that resend W and keep the connection', () => {
    const expected: [ErrorCode, string][] = [
      [ErrorCode.STALE, 'stale'],
      [ErrorCode.DUPLICATE, 'duplicate'],
      [ErrorCode.FUTURE, 'future'],
    ];
    for (const [code, label] of expected) {
      expect(REFUSALS[code], ErrorCode[code]).toEqual({ label, scope: 'push', fatal: false, resend: true });
    }
  });

  it('closes the connection on PROTOCOL_VERSION, FINGERPRINT, UNKNOWN_TASK, TASK_TAKEN, UNAUTHORIZED, OVERSIZED, NOT_JOINED, ENCODING and REPLICA', () => {
    const fatal = [
      ErrorCode.PROTOCOL_VERSION,
      ErrorCode.FINGERPRINT,
      ErrorCode.UNKNOWN_TASK,
      ErrorCode.TASK_TAKEN,
      ErrorCode.UNAUTHORIZED,
      ErrorCode.OVERSIZED,
      ErrorCode.NOT_JOINED,
      ErrorCode.ENCODING,
      ErrorCode.REPLICA,
    ];
    for (const code of fatal) {
      const row = REFUSALS[code];
      expect(row.fatal, ErrorCode[code]).toBe(true);
      // A closed connection gets no W.
      expect(row.resend, ErrorCode[code]).toBe(false);
      expect(row.scope, ErrorCode[code]).toBe('connection');
    }
    // ...and on nothing else.
    const others = CODES.map(([, c]) => c).filter((c) => !fatal.includes(c));
    for (const code of others) expect(REFUSALS[code].fatal, ErrorCode[code]).toBe(false);
  });

  it('is consistent: a row that resends W is a push refusal and never closes the connection', () => {
    for (const [name, code] of CODES) {
      const row = REFUSALS[code];
      if (row.resend) {
        expect(row.scope, name).toBe('push');
        expect(row.fatal, name).toBe(false);
      }
      if (row.fatal) expect(row.scope, name).toBe('connection');
    }
    // The rows of refused pushes that are not off pace (a bad gradient) neither resend nor close.
    for (const code of [ErrorCode.SHAPE, ErrorCode.NON_FINITE]) expect(REFUSALS[code]).toMatchObject({ scope: 'push', fatal: false, resend: false });
  });

  it('refuses an unknown code as an internal error', () => {
    expect(refusalOf(999 as ErrorCode)).toBe(REFUSALS[ErrorCode.UNSPECIFIED]);
    expect(refusalOf(-1 as ErrorCode)).toBe(REFUSALS[ErrorCode.UNSPECIFIED]);
    expect(REFUSALS[ErrorCode.UNSPECIFIED]).toMatchObject({ label: 'internal', fatal: false, resend: false });
  });

  it("the coordinator's metrics have a series at 0 for every push refusal label from the start", async () => {
    const metrics = new CoordinatorMetrics(['a']);
    const values = (await metrics.pushesRejected.get()).values;
    expect(values.map((v) => v.labels.reason).sort()).toEqual([...PUSH_REFUSAL_LABELS].sort());
    for (const v of values) expect(v.value).toBe(0);
  });

  it('counts a refused task state under its own counter, by the reason the checks give, and keeps the connection', async () => {
    expect(REFUSALS[ErrorCode.BAD_TASK_STATE]).toMatchObject({ scope: 'taskState', fatal: false, resend: false });
    const metrics = new CoordinatorMetrics(['a']);
    const values = (await metrics.taskStatesRejected.get()).values;
    expect(values.map((v) => v.labels.reason).sort()).toEqual([...TASK_STATE_REFUSAL_LABELS].sort());
    for (const v of values) expect(v.value).toBe(0);
    // The assembler's codes map onto the reasons.
    expect(assemblyReason(ErrorCode.SHAPE)).toBe('layout');
    expect(assemblyReason(ErrorCode.NON_FINITE)).toBe('non_finite');
    expect(assemblyReason(ErrorCode.MALFORMED)).toBe('malformed');
  });
});
