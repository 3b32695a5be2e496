import { KeyMaterialInvalidError } from '../errors';

const DAY_MS = 86_400_000;
// Backdating by a few minutes lets a peer whose clock is slightly behind accept a certificate issued just now; the
// missing skew tolerance is a classic X-Road operator complaint ("certificate not yet valid").
const BACKDATE_MS = 5 * 60_000;

/** When a certificate is valid: explicit dates, or `days` from `now` (backdated 5 minutes for clock skew). */
export interface ValidityOptions {
  readonly now?: Date;
  readonly days?: number;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export function validity(options: ValidityOptions, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const now = options.now ?? new Date();
  const notBefore = options.notBefore ?? new Date(now.getTime() - BACKDATE_MS);
  const notAfter = options.notAfter ?? new Date(now.getTime() + (options.days ?? defaultDays) * DAY_MS);
  if (!(notAfter.getTime() > notBefore.getTime())) {
    throw new KeyMaterialInvalidError('A certificate must end after it begins');
  }
  return { notBefore, notAfter };
}
