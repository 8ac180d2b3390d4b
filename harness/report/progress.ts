// Progress for long stages: a spinner on a terminal, plain timestamped lines in CI or a pipe.
import ora, { type Ora } from 'ora';

export interface Progress {
  /** A long stage begins (build, image, boot). */
  start(text: string): void;
  /** The running stage has news (objects compiled, seconds waited). Plain mode prints none. */
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  info(text: string): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, env = process.env): Progress {
  const interactive = Boolean(stream.isTTY) && !env.CI;
  if (!interactive) {
    const t0 = Date.now();
    const line = (mark: string, text: string) => stream.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${mark} ${text}\n`);
    return {
      start: (t) => line('..', t),
      update: () => {},
      succeed: (t) => line('ok', t),
      fail: (t) => line('!!', t),
      info: (t) => line('--', t),
    };
  }
  let spinner: Ora | null = null;
  return {
    start(t) {
      spinner?.stop();
      spinner = ora({ text: t, stream }).start();
    },
    update(t) {
      if (spinner) spinner.text = t;
    },
    succeed(t) {
      if (spinner) spinner.succeed(t);
      else stream.write(`✔ ${t}\n`);
      spinner = null;
    },
    fail(t) {
      if (spinner) spinner.fail(t);
      else stream.write(`✖ ${t}\n`);
      spinner = null;
    },
    info(t) {
      if (spinner) spinner.info(t);
      else stream.write(`ℹ ${t}\n`);
      spinner = null;
    },
  };
}

/** A Progress that says nothing (tests, --json). */
export const silentProgress: Progress = { start() {}, update() {}, succeed() {}, fail() {}, info() {} };
