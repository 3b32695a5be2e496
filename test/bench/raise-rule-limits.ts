/**
 * A federation YAML (as `kopir federation init` writes it) with one rule's rate limit, burst and daily quota raised
 * far beyond any test's load, and the document's version bumped, the way an operator edits a rule before signing.
 * For the benchmark and the gateway test bed, whose loads are about throughput and matching, not quotas.
 */
export function raiseRuleLimits(yaml: string, ruleId: string): string {
  const lines = yaml.split('\n');
  const at = lines.findIndex((l) => l.trim() === `- id: ${ruleId}`);
  if (at < 0) throw new Error(`rule ${ruleId} not found`);
  let changed = 0;
  for (let i = at + 1; i < lines.length && !/^\s*- id: /.test(lines[i] as string); i++) {
    const line = lines[i] as string;
    const raised = line
      .replace(/^(\s*perSecond:\s*)\d+\s*$/, '$1100000')
      .replace(/^(\s*burst:\s*)\d+\s*$/, '$1100000')
      .replace(/^(\s*dailyQuota:\s*)\d+\s*$/, '$1100000000');
    if (raised !== line) changed++;
    lines[i] = raised;
  }
  const version = lines.findIndex((l) => /^version:\s*\d+\s*$/.test(l));
  if (changed !== 3 || version < 0) throw new Error(`could not raise the limits of ${ruleId}`);
  lines[version] = `version: ${Number((lines[version] as string).split(':')[1]) + 1}`;
  return lines.join('\n');
}
