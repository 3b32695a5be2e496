/**
 * Every shell command in the documentation, run. The commands of the ```sh / ```bash blocks of README.md,
 * docs/*.md and certs/README.md are extracted (continuation lines joined, comments dropped) and run with bash, in
 * document order, against the built dist/ (`npm run kopir --` is `node dist/apps/cli/src/main.js`, as the npm script
 * runs it after building):
 *
 * - commands that need the running system (calls, audit, the officer API, the ops port, rules and federation
 *   changes) run in the directory of a system started once as `npm start` starts it (test/e2e/system-fixture.ts);
 * - the PKI commands of certs/README.md and the seeding commands of docs/integrators.md run in one scratch
 *   directory, so that revoking a certificate there does not touch the running system;
 * - a block preceded by `<!-- test/docs: fresh -->` runs in a directory of its own (a deployment from nothing);
 * - the commands in SKIPPED below are not run, each for the reason given.
 *
 * A command that is neither run nor listed cannot exist: everything not in SKIPPED runs, and must exit 0. Adapting a
 * command to the test is limited to SUBSTITUTIONS (ports of the test system, placeholders such as `<IIN>`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devPkiPaths } from '@kopir/pki';
import { samplePeople } from '@kopir/reference-registries';
import { CLI, ROOT, startSystem, type RunningSystem } from '../e2e/system-fixture';
import { freePort } from '../bench/free-port';

jest.setTimeout(240_000);

const BROKER = join(ROOT, 'dist', 'apps', 'broker', 'src', 'main.js');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
  'certs/README.md',
];

/** Commands not run, with why. Keys are the commands as extracted (one line, no comment). */
const SKIPPED: Record<string, string> = {
  // Installs node_modules (shared by everyone on this machine) and runs until Ctrl-C. What it starts is what
  // test/e2e/system-fixture.ts starts (`kopir up` from dist/), which this test uses for the commands below.
  'npm ci && npm start': 'installs dependencies and runs until Ctrl-C; the system started here is the same kopir up',
  'npm start': 'runs until Ctrl-C; the system started here by system-fixture.ts is the same kopir up',
  'npm test': 'the whole test suite, this test included',
  // The suite against a real cluster: there is none here; test/e2e/external-kafka.spec.ts runs the path with a
  // broker in a separate process.
  'npm run build': 'the test runs against the dist/ that npm test builds before it',
  'KAFKA_BROKERS=kafka-1.test.intranet:9093 KAFKA_TLS_CA=/etc/kopir/kafka/ca.pem KAFKA_TLS_CERT=/etc/kopir/kafka/e2e.pem KAFKA_TLS_KEY=/etc/kopir/kafka/e2e.key.pem npx jest test/e2e':
    'needs a real Kafka cluster; external-kafka.spec.ts runs test/e2e against a separate broker process',
  // Docker: no engine on the development machines. test/pki/compose.spec.ts checks the compose file and runs
  // `docker compose config` where the plugin exists.
  'docker compose config --quiet': 'no Docker compose plugin here; test/pki/compose.spec.ts runs it where it exists',
  'docker compose up -d --build': 'no Docker engine here',
  'docker compose ps': 'no Docker engine here',
  'docker compose exec kafka-1 /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9093 --command-config /etc/kafka/certs/kafka-brokers/client.properties --describe --topic kopir.audit':
    'no Docker engine here; client.properties and its keystore are checked in test/pki/compose.spec.ts',
  'docker compose restart kafka-1': 'no Docker engine here',
  'docker compose restart population': 'no Docker engine here',
};

type Where = 'system' | 'scratch' | 'fresh';

/** Where each page's commands run unless its block says `<!-- test/docs: fresh -->`. */
const WHERE: Record<string, Where> = {
  // Not in the system's directory: its data/broker is held by the running broker (a second one is refused).
  'docs/broker.md': 'scratch',
  'docs/integrators.md': 'scratch',
  'certs/README.md': 'scratch',
};

interface DocCommand {
  readonly file: string;
  readonly line: number;
  readonly block: number;
  readonly text: string;
  /** The comments on its lines (what the page says about it, e.g. an expected HTTP status). */
  readonly comment: string;
  readonly where: Where;
}

/** Splits a line at a ` # comment` outside quotes. */
function splitComment(line: string): [string, string] {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) {
      return [line.slice(0, i), line.slice(i + 1).trim()];
    }
  }
  return [line, ''];
}

function extractCommands(file: string, markdown: string): DocCommand[] {
  const lines = markdown.split('\n');
  const commands: DocCommand[] = [];
  let block = 0;
  for (let i = 0; i < lines.length; i += 1) {
    const fence = /^```(sh|bash|shell|console)\s*$/.exec(lines[i] ?? '');
    if (!fence) continue;
    block += 1;
    let previous = i - 1;
    while (previous >= 0 && (lines[previous] ?? '').trim() === '') previous -= 1;
    const fresh = (lines[previous] ?? '').trim() === '<!-- test/docs: fresh -->';
    let pending = '';
    let comment = '';
    let start = 0;
    for (i += 1; i < lines.length && !(lines[i] ?? '').startsWith('```'); i += 1) {
      const [code, note] = splitComment(lines[i] ?? '');
      const raw = code.trimEnd();
      if (pending === '') start = i + 1;
      comment = `${comment} ${note}`.trim();
      if (raw.endsWith('\\')) {
        pending += `${raw.slice(0, -1).trim()} `;
        continue;
      }
      const text = `${pending}${raw.trim()}`.replace(/\s+/g, ' ').trim();
      pending = '';
      if (text !== '') {
        commands.push({ file, line: start, block, text, comment, where: fresh ? 'fresh' : (WHERE[file] ?? 'system') });
      }
      comment = '';
    }
  }
  return commands;
}

const COMMANDS = DOCS.flatMap((file) => extractCommands(file, readFileSync(join(ROOT, file), 'utf8')));

interface Place {
  readonly dir: string;
  readonly env: Record<string, string>;
}

/**
 * How a documented command becomes the one run: the npm scripts as they run after building, the test system's
 * ports instead of the defaults (8443 gateway, 8444 officer API, 9464 and 9465 ops; a `kopir call` without --gateway is given
 * the test system's), documented placeholders filled in, optional `[...]` parts included.
 */
function substitute(text: string, place: Place, system: RunningSystem, iin: () => string): string {
  let command = text
    .replaceAll('npm run kopir --', `node ${CLI}`)
    .replaceAll('npm run broker --', `node ${BROKER}`)
    .replace(/\[([^\]]+)\]/g, '$1')
    .replaceAll('<pw>', 'doc-test-password')
    .replaceAll('<file>', 'doc-test.p12');
  if (command.includes('<IIN>')) command = command.replaceAll('<IIN>', iin());
  if (place.dir === system.dir) {
    command = command
      .replaceAll('https://127.0.0.1:8444', system.officerApi)
      .replaceAll('https://127.0.0.1:8443', system.gateway)
      .replaceAll('http://127.0.0.1:9464', system.ops)
      .replaceAll('http://127.0.0.1:9465', system.auditOps);
    if (/ call /.test(command) && !command.includes('--gateway')) command += ` --gateway ${system.gateway}`;
  }
  return command;
}

function run(command: string, place: Place): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      cwd: place.dir,
      env: place.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A command that serves until stopped (the broker): run with a free port, it must start listening, and stop cleanly
 * on SIGTERM (exit 0).
 */
async function runServer(command: string, place: Place): Promise<{ code: number; output: string }> {
  const port = await freePort();
  const child = spawn('bash', ['-c', `exec ${command.replace(/--port \d+/, `--port ${port}`)}`], {
    cwd: place.dir,
    env: place.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  const deadline = Date.now() + 30_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      return { code: await exited, output: `did not listen on ${port}: ${output}` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  return { code: await exited, output };
}

/** GET on the officer API with the officer's certificate, into a file (what `--file export.ndjson` verifies). */
function officerGet(system: RunningSystem, path: string, file: string): Promise<void> {
  const paths = devPkiPaths(system.pki);
  return new Promise((resolve, reject) => {
    const req = request(
      `${system.officerApi}${path}`,
      {
        ca: readFileSync(paths.chain),
        cert: readFileSync(paths.officer('officer').cert),
        key: readFileSync(paths.officer('officer').key),
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(writeFileSync(file, body)) : reject(new Error(`${res.statusCode} ${body}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** What a command needs that an earlier step of the page describes in prose, not in a command. */
const BEFORE: Record<string, (system: RunningSystem) => Promise<void>> = {
  // docs/officers.md: "an export" is GET /v1/export (described in the paragraph above the command).
  'npm run kopir -- audit verify --file export.ndjson': (system) =>
    officerGet(system, '/v1/export', join(system.dir, 'export.ndjson')),
};

describe('the commands in the documentation', () => {
  let system: RunningSystem;
  let scratch: Place;
  const temporary: string[] = [];

  beforeAll(async () => {
    system = await startSystem();
    const dir = mkdtempSync(join(tmpdir(), 'kopir-docs-scratch-'));
    temporary.push(dir);
    scratch = { dir, env: { ...(process.env as Record<string, string>), NO_COLOR: '1' } };
  });

  afterAll(async () => {
    await system?.stop();
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the documented commands, and every skipped one is still in the documentation', () => {
    expect(COMMANDS.length).toBeGreaterThan(40);
    const texts = new Set(COMMANDS.map((c) => c.text));
    expect(Object.keys(SKIPPED).filter((s) => !texts.has(s))).toEqual([]);
    for (const file of ['README.md', 'docs/operators.md', 'certs/README.md', 'docs/officers.md']) {
      expect(COMMANDS.some((c) => c.file === file)).toBe(true);
    }
  });

  it('runs every command that is not skipped, in document order, and each exits 0', async () => {
    const failures: string[] = [];
    const ran: string[] = [];
    const fresh = new Map<string, Place>();
    const iinOf = (dir: string) => (): string => {
      const person = samplePeople(join(dir, 'data', 'registries'), 1)[0];
      if (!person) throw new Error(`no seeded person in ${dir}`);
      return person.iin;
    };
    for (const command of COMMANDS) {
      if (SKIPPED[command.text] !== undefined) continue;
      let place: Place;
      if (command.where === 'system') place = { dir: system.dir, env: system.env };
      else if (command.where === 'scratch') place = scratch;
      else {
        const key = `${command.file}#${command.block}`;
        if (!fresh.has(key)) {
          const dir = mkdtempSync(join(tmpdir(), 'kopir-docs-fresh-'));
          temporary.push(dir);
          fresh.set(key, { dir, env: scratch.env });
        }
        place = fresh.get(key) as Place;
      }
      await BEFORE[command.text]?.(system);
      const text = substitute(command.text, place, system, iinOf(place.dir));
      // curl exits 0 on an HTTP error status: have it print the status (when its output is not piped), which must be
      // 2xx unless the page's comment on the command names the status it gives (e.g. "now 503: maintenance").
      const isCurl = text.startsWith('curl ') && !text.includes('|');
      const result = command.text.startsWith('npm run broker')
        ? await runServer(text, place).then((r) => ({ code: r.code, stdout: r.output, stderr: '' }))
        : await run(isCurl ? `${text} -w '\\nHTTP %{http_code}\\n'` : text, place);
      ran.push(`${command.file}:${command.line}`);
      const status = isCurl ? (/HTTP (\d{3})\s*$/.exec(result.stdout)?.[1] ?? 'none') : undefined;
      if (status !== undefined && !status.startsWith('2') && !command.comment.includes(status)) {
        failures.push(
          `${command.file}:${command.line}: HTTP ${status}: ${command.text}\n  ${result.stdout.slice(-800)}`,
        );
      }
      if (result.code !== 0) {
        failures.push(
          `${command.file}:${command.line} (${command.where}) exit ${result.code}: ${command.text}\n` +
            `  ran: ${text}\n  ${`${result.stdout}${result.stderr}`.trim().slice(-1500).split('\n').join('\n  ')}`,
        );
      }
    }
    expect(failures).toEqual([]);
    // Most of the documentation's commands run; the skipped ones are the exceptions.
    expect(ran.length).toBeGreaterThan(Object.keys(SKIPPED).length * 2);
  });

  it('left the running system healthy and its ledger verifiable after the documented changes', async () => {
    const verify = await system.kopir(['audit', 'verify', '--no-progress']);
    expect({ code: verify.code, stderr: verify.stderr }).toEqual({ code: 0, stderr: '' });
    expect(verify.stdout).toContain('ok: ');
    expect(existsSync(join(system.dir, 'backup', 'ledger.db'))).toBe(true);
    const ready = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${system.ops}/health/ready`], {
      encoding: 'utf8',
    });
    expect(ready.stdout).toBe('200');
  });
});
