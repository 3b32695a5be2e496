/**
 * docker-compose.yml against what `kopir pki init` issues: every host path it mounts exists, every certificate path a
 * container is told about (environment, the services' configuration defaults, the brokers' health check and
 * client.properties) resolves through that container's mounts to a file `pki init` made, and no container can read a
 * CA or federation authority private key. Compose itself must accept the file: `docker compose config` where the
 * Docker CLI has the compose plugin, else `docker-compose config` (Debian's docker-compose, which .ci/run installs;
 * it validates a file against the Compose schema without a Docker engine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../apps/cli/src/cli';
import { captureOutput } from '../../apps/cli/src/output';
import {
  adapterConfigSpec,
  auditConfigSpec,
  federationConfigSpec,
  gatewayConfigSpec,
  kafkaConfigSpec,
  type ConfigSpec,
} from '@kopir/config';
import { kafkaPrincipal } from '@kopir/pki';

const ROOT = resolve(__dirname, '..', '..');
/** Where `kopir kafka provision-script` writes by default, and kafka-init reads. */
const SCRIPT = 'data/kafka/provision.sh';
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
/** WORKDIR of the Köpir image (Dockerfile): relative paths in the services' configuration start here. */
const APP_DIR = '/app';

interface Service {
  readonly image?: string;
  readonly build?: unknown;
  readonly environment?: Record<string, string | number>;
  readonly volumes?: readonly string[];
  readonly healthcheck?: { readonly test: readonly string[] };
  readonly entrypoint?: readonly string[];
  readonly depends_on?: Record<string, { readonly condition: string }>;
}

interface Mount {
  readonly host: string;
  readonly container: string;
}

const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

/** Bind mounts (short syntax `host:container[:mode]`); named volumes are left out. */
function mounts(service: Service): Mount[] {
  return (service.volumes ?? [])
    .map((spec) => spec.split(':'))
    .filter(([host]) => host !== undefined && (host.startsWith('./') || host.startsWith('/')))
    .map(([host, container]) => ({ host: host ?? '', container: container ?? '' }));
}

/**
 * The host file a container path shows, through the most specific mount (Docker mounts nested targets over their
 * parents), or undefined when no mount covers it.
 */
function hostPath(service: Service, containerPath: string, projectDir: string): string | undefined {
  const covering = mounts(service)
    .filter((m) => containerPath === m.container || containerPath.startsWith(`${m.container}/`))
    .sort((a, b) => b.container.length - a.container.length)[0];
  if (!covering) return undefined;
  const host = covering.host + containerPath.slice(covering.container.length);
  return host.startsWith('/') ? host : join(projectDir, host);
}

function isKopirService(service: Service): boolean {
  return service.build !== undefined;
}

/** The configuration specs each Köpir service loads, by the script it runs. */
function specsOf(name: string): ConfigSpec[] {
  if (name.startsWith('gateway')) return [federationConfigSpec, gatewayConfigSpec, kafkaConfigSpec];
  if (name === 'audit') return [federationConfigSpec, auditConfigSpec, kafkaConfigSpec];
  return [federationConfigSpec, adapterConfigSpec, kafkaConfigSpec];
}

/** Every PEM file a Köpir service reads: its environment's, and the defaults it does not override. */
function pemFilesOf(name: string, service: Service): string[] {
  const env = service.environment ?? {};
  const files = new Set<string>();
  for (const spec of specsOf(name)) {
    for (const field of Object.values(spec)) {
      const value = env[field.env] ?? field.defaultValue;
      if (typeof value === 'string' && value.endsWith('.pem')) files.add(value);
    }
  }
  const system = { population: 'mju/population', vehicles: 'mia/vehicles', tax: 'src/tax' }[name];
  // An adapter signs with its system's key from ADAPTER_PKI_DIR (certs/dev) unless ADAPTER_SIGNING_KEY is set.
  if (system) files.add(`certs/dev/systems/${system}/signing.key.pem`);
  return [...files].map((f) => (f.startsWith('/') ? f : posix.join(APP_DIR, f)));
}

describe('docker-compose.yml and the certificates kopir pki issues', () => {
  let project: string;

  beforeAll(async () => {
    // A project directory as an operator has it: certs/dev from `pki init`, the signed federation, the Kafka
    // provisioning script, the compose file beside them (the commands of its header, run from the project).
    project = mkdtempSync(join(tmpdir(), 'kopir-compose-'));
    const pki = join(project, 'certs', 'dev');
    const yaml = join(project, 'data', 'federation', 'federation.yaml');
    const jws = join(project, 'data', 'federation', 'federation.jws');
    for (const args of [
      ['pki', 'init', '--dir', pki],
      ['federation', 'init', '--file', yaml, '--pki', pki],
      ['federation', 'sign', '--file', yaml, '--out', jws, '--pki', pki],
      ['kafka', 'provision-script', '--federation', jws, '--pki', pki, '--out', join(project, SCRIPT)],
    ]) {
      expect({ args, code: await runCli(args, captureOutput()) }).toEqual({ args, code: 0 });
    }
  });

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('has the reference topology: three KRaft brokers with TLS listeners, two gateways, three adapters, audit', () => {
    const names = Object.keys(compose.services).sort();
    expect(names).toEqual(
      [
        'audit',
        'gateway-1',
        'gateway-2',
        'kafka-1',
        'kafka-2',
        'kafka-3',
        'kafka-init',
        'population',
        'tax',
        'vehicles',
      ].sort(),
    );
    for (const broker of ['kafka-1', 'kafka-2', 'kafka-3']) {
      const env = compose.services[broker]?.environment ?? {};
      expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toBe('INTRANET:SSL,CONTROLLER:SSL');
      expect(env.KAFKA_SSL_CLIENT_AUTH).toBe('required');
      expect(env.KAFKA_SSL_KEYSTORE_TYPE).toBe('PEM');
      expect(env.KAFKA_SSL_TRUSTSTORE_TYPE).toBe('PEM');
      expect(env.KAFKA_MIN_INSYNC_REPLICAS).toBe(2);
      expect(env.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe(3);
      // The image's configure script switches to JKS + password files for an advertised listener named SSL.
      expect(String(env.KAFKA_ADVERTISED_LISTENERS)).not.toContain('SSL://');
      // A PEM file keystore with a keystore password is refused by Kafka; the key is not encrypted either.
      expect(Object.keys(env).filter((k) => /PASSWORD|CREDENTIALS/.test(k))).toEqual([]);
    }
    // No registry or broker port is published; only the gateways and the officer API.
    const published = Object.entries(compose.services)
      .filter(([, s]) => (s as { ports?: unknown[] }).ports !== undefined)
      .map(([n]) => n)
      .sort();
    expect(published).toEqual(['audit', 'gateway-1', 'gateway-2']);
  });

  it('mounts only host paths that kopir pki init creates', () => {
    const hostPaths = Object.values(compose.services).flatMap((s) => mounts(s).map((m) => m.host));
    const certs = hostPaths.filter((h) => h.startsWith('./certs/'));
    expect(certs.length).toBeGreaterThan(20);
    for (const host of certs) expect({ host, exists: existsSync(join(project, host)) }).toEqual({ host, exists: true });
    // /dev/null only masks keys; data/ is created by the operator's `federation sign` / `data seed`.
    for (const host of hostPaths.filter((h) => !h.startsWith('./certs/'))) {
      expect(['/dev/null', './data/federation', './data/registries', `./${SCRIPT}`]).toContain(host);
    }
  });

  it("gives each broker its own keystore, the CA truststore and the CLI tools' client.properties, all resolvable", () => {
    for (const broker of ['kafka-1', 'kafka-2', 'kafka-3']) {
      const service = compose.services[broker] as Service;
      const env = service.environment ?? {};
      const keystore = String(env.KAFKA_SSL_KEYSTORE_LOCATION);
      expect(keystore).toBe(`/etc/kafka/certs/kafka-brokers/${broker}/keystore.pem`);
      expect(hostPath(service, keystore, project)).toBe(
        join(project, 'certs', 'dev', 'kafka-brokers', broker, 'keystore.pem'),
      );
      expect(existsSync(hostPath(service, String(env.KAFKA_SSL_TRUSTSTORE_LOCATION), project) ?? '')).toBe(true);
      // Another broker's key is not in this container.
      const other = broker === 'kafka-1' ? 'kafka-2' : 'kafka-1';
      expect(hostPath(service, `/etc/kafka/certs/kafka-brokers/${other}/keystore.pem`, project)).toBeUndefined();

      const command = (service.healthcheck?.test ?? []).join(' ');
      const config = /--command-config (\S+)/.exec(command)?.[1] ?? '';
      const properties = hostPath(service, config, project) ?? '';
      expect(statSync(properties).isFile()).toBe(true);
      for (const line of readFileSync(properties, 'utf8').split('\n')) {
        const location = /^ssl\.(?:keystore|truststore)\.location=(.+)$/.exec(line)?.[1];
        if (location === undefined) continue;
        expect({ location, exists: existsSync(hostPath(service, location, project) ?? '') }).toEqual({
          location,
          exists: true,
        });
      }
    }
  });

  it('gives every Köpir service its Kafka client certificate (KAFKA_TLS_*) and every certificate file it reads', () => {
    const services = Object.entries(compose.services).filter(([, s]) => isKopirService(s));
    expect(services.map(([n]) => n).sort()).toEqual(
      ['audit', 'gateway-1', 'gateway-2', 'population', 'tax', 'vehicles'].sort(),
    );
    for (const [name, service] of services) {
      const env = service.environment ?? {};
      expect(env.KAFKA_BROKERS).toBe('kafka-1:9093,kafka-2:9093,kafka-3:9093');
      for (const key of ['KAFKA_TLS_CA', 'KAFKA_TLS_CERT', 'KAFKA_TLS_KEY']) expect(env[key]).toBeDefined();
      expect(String(env.KAFKA_TLS_CERT)).toMatch(/^certs\/dev\/kafka\/[a-z-]+\/tls\.pem$/);
      for (const file of pemFilesOf(name, service)) {
        const host = hostPath(service, file, project);
        expect({ name, file, exists: host !== undefined && existsSync(host) && host !== '/dev/null' }).toEqual({
          name,
          file,
          exists: true,
        });
      }
    }
  });

  it('authorizes every Kafka request: the brokers and kafka-tools are the super users, named as pki init issued them', () => {
    const principal = (file: string): string => {
      const rendered = kafkaPrincipal(readFileSync(join(project, 'certs', 'dev', file), 'utf8'));
      // OpenSSL's RFC 2253 rendering of the subject: an independent reading of what Kafka's principal builder sees.
      const subject = execFileSync(
        'openssl',
        ['x509', '-in', join(project, 'certs', 'dev', file), '-noout', '-subject', '-nameopt', 'RFC2253'],
        { encoding: 'utf8' },
      );
      expect(rendered).toBe(`User:${subject.trim().replace(/^subject=/, '')}`);
      return rendered;
    };
    const superUsers = [
      ...['kafka-1', 'kafka-2', 'kafka-3'].map((b) => principal(`kafka-brokers/${b}/tls.pem`)),
      principal('kafka/kafka-tools/tls.pem'),
    ];
    for (const broker of ['kafka-1', 'kafka-2', 'kafka-3']) {
      const env = compose.services[broker]?.environment ?? {};
      expect(env.KAFKA_AUTHORIZER_CLASS_NAME).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
      expect(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe('false');
      expect(String(env.KAFKA_SUPER_USERS).split(';')).toEqual(superUsers);
      expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    }
  });

  it("runs kafka-init's provisioning before any Köpir service, and the script grants each service's certificate", () => {
    const init = compose.services['kafka-init'] as Service;
    const [shell, script] = init.entrypoint ?? [];
    expect(shell).toBe('/bin/sh');
    expect(hostPath(init, script ?? '', project)).toBe(join(project, SCRIPT));
    const text = readFileSync(join(project, SCRIPT), 'utf8');
    // The tools' client.properties the script names resolves in kafka-init, and so do the files it points to.
    const config = /--command-config (\S+)/.exec(text)?.[1] ?? '';
    const properties = hostPath(init, config, project) ?? '';
    expect(statSync(properties).isFile()).toBe(true);
    for (const line of readFileSync(properties, 'utf8').split('\n')) {
      const location = /^ssl\.(?:keystore|truststore)\.location=(.+)$/.exec(line)?.[1];
      if (location !== undefined) expect(existsSync(hostPath(init, location, project) ?? '')).toBe(true);
    }
    for (const broker of ['kafka-1', 'kafka-2', 'kafka-3']) {
      expect(init.depends_on?.[broker]?.condition).toBe('service_healthy');
    }

    const granted = new Set([...text.matchAll(/--allow-principal '([^']+)'/g)].map((m) => m[1]));
    for (const [name, service] of Object.entries(compose.services).filter(([, s]) => isKopirService(s))) {
      expect({ name, after: service.depends_on?.['kafka-init']?.condition }).toEqual({
        name,
        after: 'service_completed_successfully',
      });
      const cert = hostPath(service, posix.join(APP_DIR, String(service.environment?.KAFKA_TLS_CERT)), project) ?? '';
      const principal = kafkaPrincipal(readFileSync(cert, 'utf8'));
      expect({ name, granted: granted.has(principal) }).toEqual({ name, granted: true });
    }
  });

  it("keeps each gateway's and the audit service's CRL floor on a volume of their own, one file per instance", () => {
    const states = ['gateway-1', 'gateway-2', 'audit'].map((name) => {
      const service = compose.services[name] as Service;
      const env = service.environment ?? {};
      const file = String(env.GATEWAY_TLS_CRL_STATE ?? env.AUDIT_TLS_CRL_STATE);
      const dir = posix.dirname(posix.join(APP_DIR, file));
      // A named volume (not a bind mount of the host) holds the directory: it survives the container.
      const volume = (service.volumes ?? []).find(
        (v) => !v.startsWith('.') && !v.startsWith('/') && v.split(':')[1] === dir,
      );
      expect({ name, volume: volume !== undefined }).toEqual({ name, volume: true });
      return file;
    });
    expect(new Set(states).size).toBe(3);
  });

  it('lets no container read a CA private key or the federation authority key', () => {
    const secrets = [
      'ca/root-ca.key.pem',
      'ca/issuing-ca.key.pem',
      'federation/authority.key.pem',
      'gateway/signing.key.pem',
    ];
    for (const [name, service] of Object.entries(compose.services)) {
      const base = isKopirService(service) ? `${APP_DIR}/certs/dev` : '/etc/kafka/certs';
      for (const secret of secrets) {
        if (name.startsWith('gateway') && secret === 'gateway/signing.key.pem') continue;
        const host = hostPath(service, `${base}/${secret}`, project);
        expect({ name, secret, visible: host !== undefined && host !== '/dev/null' }).toEqual({
          name,
          secret,
          visible: false,
        });
      }
    }
  });

  const composeCli = composeCommand();
  if (!composeCli) {
    process.stdout.write(
      "compose.spec: 'compose config' skipped: neither 'docker compose' nor 'docker-compose' is on PATH\n",
    );
  }
  (composeCli ? it : it.skip)('is accepted by compose config, which rejects a file with a mistake in it', () => {
    const [command, ...prefix] = composeCli ?? ['docker-compose'];
    const config = (file: string) =>
      spawnSync(command, [...prefix, '-f', file, '--project-directory', project, 'config', '-q'], {
        encoding: 'utf8',
      });
    const accepted = config(COMPOSE_FILE);
    expect({ status: accepted.status, stderr: accepted.stderr }).toEqual({ status: 0, stderr: '' });
    // The validator validates: the same file with an option no service has is refused, naming it.
    const broken = join(project, 'docker-compose.broken.yml');
    writeFileSync(
      broken,
      readFileSync(COMPOSE_FILE, 'utf8').replace(
        /^ {2}gateway-1:\n/m,
        '  gateway-1:\n    restart_policy_typo: always\n',
      ),
    );
    const refused = config(broken);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('restart_policy_typo');
  });
});

/** The compose command line on this machine: the Docker CLI's plugin, else the standalone docker-compose. */
function composeCommand(): [string, ...string[]] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  return undefined;
}
