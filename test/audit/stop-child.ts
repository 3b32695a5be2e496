/**
 * The audit service as its own process, stopped the way apps/audit/src/main.ts stops it (SIGTERM → close() → exit 0),
 * for test/audit/officer-refusals.spec.ts: `node -e <register hook> stop-child.ts <json>`. Prints its officer API port.
 */
import { devPkiPaths } from '@kopir/pki';
import { startAuditService } from '../../apps/audit/src/start-audit';
import { auditServiceOptions } from './audit-fixture';

interface ChildOptions {
  readonly dir: string;
  readonly pki: string;
  readonly server: { readonly dir: string; readonly cert: string; readonly key: string };
}

async function main(options: ChildOptions): Promise<void> {
  const service = await startAuditService(
    auditServiceOptions(options.dir, { paths: devPkiPaths(options.pki), server: options.server }),
  );
  // main.ts's own stop, word for word.
  const stop = (): void => {
    void service.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`port ${service.port}\n`);
}

main(JSON.parse(process.argv[process.argv.length - 1] as string) as ChildOptions).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
