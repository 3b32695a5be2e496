import { runCli } from '../../apps/cli/src/cli';

/** Runs the CLI in-process, as `npm run kopir -- <args>` would, and returns its exit code and what it printed. */
export async function kopir(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}
