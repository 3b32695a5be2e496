/** `kopir data seed` and `kopir data sample` as a user runs them, on a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isValidIin } from '@kopir/reference-registries';
import { runCli } from '../../apps/cli/src/cli';
import { captureOutput } from '../../apps/cli/src/output';

const capture = captureOutput;

let dir: string;
beforeAll(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'kopir-data-cli-')), 'registries');
});
afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

describe('kopir data', () => {
  it('seeds with plain progress lines when stderr is not a terminal, then does nothing the second time', async () => {
    const io = capture();
    expect(await runCli(['data', 'seed', '--people', '500', '--seed', '3', '--dir', dir], io)).toBe(0);
    expect(io.out).toContain('seeded 500 people (seed 3)');
    expect(io.err).toContain('mju/population: ');
    expect(io.err).toContain('(100%)');
    expect(io.err).not.toContain('\r');
    const again = capture();
    expect(await runCli(['data', 'seed', '--people', '500', '--seed', '3', '--dir', dir], again)).toBe(0);
    expect(again.out).toContain('nothing to do');
  });

  it('refuses to replace other registries without --force, and replaces them with it', async () => {
    const io = capture();
    expect(await runCli(['data', 'seed', '--people', '400', '--dir', dir], io)).toBe(1);
    expect(io.err).toContain('already holds registries seeded with seed 3 and 500 people');
    expect(await runCli(['data', 'seed', '--people', '400', '--seed', '3', '--dir', dir, '--force'], capture())).toBe(
      0,
    );
  });

  it('samples seeded people with valid IINs and names', async () => {
    const io = capture();
    expect(await runCli(['data', 'sample', '--count', '2', '--dir', dir], io)).toBe(0);
    expect(io.out).toContain('# 400 people, seed 3');
    const iins = [...io.out.matchAll(/^(\d{12})\s+\S+/gm)].map((m) => m[1]);
    expect(iins.length).toBeGreaterThanOrEqual(3);
    expect(iins.every((iin) => isValidIin(iin))).toBe(true);
    expect(io.out).toContain('adult');
  });

  it('exits 2 on a malformed number and 1 when nothing is seeded', async () => {
    expect(await runCli(['data', 'seed', '--people', 'many', '--dir', dir], capture())).toBe(2);
    expect(await runCli(['data', 'seed', '--people', '0', '--dir', dir], capture())).toBe(2);
    const io = capture();
    expect(await runCli(['data', 'sample', '--dir', join(dir, 'nothing-here')], io)).toBe(1);
    expect(io.err).toContain('npm run kopir -- data seed');
  });
});
