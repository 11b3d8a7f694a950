// Progress on stderr: a bar on a terminal, a line every tenth of the way otherwise (logs, CI), so stdout
// stays free for --json.
import cliProgress from 'cli-progress';

export type Log = (line: string) => void;

export const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);

export interface Progress {
  update(step: number, fields: Record<string, string | number>): void;
  stop(): void;
}

export function startProgress(label: string, total: number, log: Log, interactive = process.stderr.isTTY === true): Progress {
  if (interactive) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} {info}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { info: '' });
    return { update: (step, fields) => bar.update(step, { info: formatFields(fields) }), stop: () => bar.stop() };
  }
  let next = 0;
  return {
    update(step, fields) {
      if (step >= next || step === total) {
        log(`${label} ${step}/${total} ${formatFields(fields)}`);
        next = step + Math.max(1, Math.ceil(total / 10));
      }
    },
    stop() {},
  };
}

function formatFields(fields: Record<string, string | number>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`)
    .join(' ');
}
