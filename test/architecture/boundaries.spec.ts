/**
 * Architecture rules checked by a test, as X-Road does (STYLE.md): apps never import apps; libs never import apps;
 * a lib is imported only through its `@kopir/<lib>` index; a lib's core has no `@nestjs/*` import outside its
 * `*.module.ts` wiring; only libs/config reads `process.env`; only libs/pki and libs/envelope touch key material.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'templates' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** `apps/gateway`, `apps/adapters/population`, `libs/pki`: the project a file belongs to. */
function projectOf(file: string): string | undefined {
  const parts = relative(root, file).split(sep);
  if (parts[0] === 'libs') return parts.slice(0, 2).join('/');
  if (parts[0] === 'apps') return parts[1] === 'adapters' ? parts.slice(0, 3).join('/') : parts.slice(0, 2).join('/');
  return undefined;
}

const IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3]) as string);
}

const files = [...sourceFiles(join(root, 'apps')), ...sourceFiles(join(root, 'libs'))];

describe('architecture', () => {
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('keeps every relative import inside its own project (apps never import apps, nobody reaches into a lib)', () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(file).filter((s) => s.startsWith('.'))) {
        const target = resolve(dirname(file), spec);
        if (projectOf(target) !== projectOf(file)) violations.push(`${relative(root, file)} -> ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('imports libs only through their public index, and libs never import apps', () => {
    const violations: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(file)) {
        if (/^@kopir\/[a-z-]+\//.test(spec)) violations.push(`${relative(root, file)} deep-imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps @nestjs out of the libs cores (only *.module.ts and nest/ wiring files import Nest)', () => {
    const violations = files
      .filter((f) => relative(root, f).startsWith('libs'))
      .filter((f) => !/\.module\.ts$|[/\\]nest[/\\]/.test(f) && !f.endsWith('.spec.ts'))
      .filter((f) => importsOf(f).some((s) => s.startsWith('@nestjs/')))
      .map((f) => relative(root, f));
    expect(violations).toEqual([]);
  });

  it('reads process.env only in libs/config', () => {
    const violations = files
      .filter((f) => !f.endsWith('.spec.ts') && !relative(root, f).startsWith(join('libs', 'config')))
      .filter((f) => /process\.env\b/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(violations).toEqual([]);
  });

  it('keeps certificate and JOSE libraries inside libs/pki and libs/envelope', () => {
    const owners: Record<string, string[]> = {
      'node-forge': ['libs/pki'],
      '@peculiar/x509': ['libs/pki'],
      jose: ['libs/pki', 'libs/envelope'],
    };
    const violations: string[] = [];
    for (const file of files.filter((f) => !f.endsWith('.spec.ts'))) {
      for (const spec of importsOf(file)) {
        const allowed = owners[spec];
        if (allowed && !allowed.includes(projectOf(file) ?? ''))
          violations.push(`${relative(root, file)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('never disables TLS verification or accepts alg none', () => {
    const all = [...files, ...sourceFiles(join(root, 'test'))].filter((f) => f !== __filename);
    const violations = all
      .filter((f) =>
        /rejectUnauthorized\s*:\s*false|algorithms\s*:\s*\[[^\]]*['"]none['"]/.test(readFileSync(f, 'utf8')),
      )
      .map((f) => relative(root, f));
    expect(violations).toEqual([]);
  });
});
