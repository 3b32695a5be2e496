# __AGENCY__/__SYSTEM__ adapter

Created by `npm run kopir -- adapter new --agency __AGENCY__ --system __SYSTEM__`. See docs/integrators.md
("Add a new agency, step by step") for the certificate, the federation entry, the access rule and the first call.

- `src/__SYSTEM__.adapter.ts`: the service contract (`__CONST___SERVICE`), the store (replace the sample) and the
  handlers (`@RegistryService('__SERVICE__')`).
- `src/main.ts`: the entry point, `dist/apps/adapters/__SYSTEM__/src/main.js` after `npm run build`.
- `test/contract.spec.ts`: the SDK's contract kit and the service's own tests: `npx jest apps/adapters/__SYSTEM__`.
