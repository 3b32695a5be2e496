import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * The inodes of the TCP sockets this process holds in LISTEN state: the sockets in /proc/self/fd matched against
 * /proc/net/tcp and tcp6 (state 0A = TCP_LISTEN, proc(5)). An adapter must never add one.
 */
export function listeningTcpSockets(): Set<string> {
  const owned = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1] !== undefined) owned.add(match[1]);
    } catch {
      // The descriptor was closed while we listed them.
    }
  }
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const state = columns[3];
      const inode = columns[9];
      if (state === '0A' && inode !== undefined && owned.has(inode)) listening.add(inode);
    }
  }
  return listening;
}
