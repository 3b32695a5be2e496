import { randomUUID } from 'node:crypto';
import { KafkaErrorCode } from '../protocol/error-codes';

/** Group states as Kafka names them (GroupCoordinator, DescribeGroups `group_state`). */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface JoinInput {
  readonly groupId: string;
  readonly memberId: string;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly { readonly name: string; readonly metadata: Buffer }[];
}

export interface JoinResult {
  readonly errorCode: number;
  readonly generationId: number;
  readonly protocolName: string;
  readonly leader: string;
  readonly memberId: string;
  readonly members: readonly { readonly memberId: string; readonly metadata: Buffer }[];
}

export interface SyncResult {
  readonly errorCode: number;
  readonly assignment: Buffer;
}

export interface GroupOptions {
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  /** Kafka's group.initial.rebalance.delay.ms: how long an empty group waits for more members before its first generation. */
  readonly initialRebalanceDelayMs: number;
}

interface Member {
  readonly id: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: readonly { readonly name: string; readonly metadata: Buffer }[];
  assignment: Buffer;
  joinWaiter: ((result: JoinResult) => void) | undefined;
  syncWaiter: ((result: SyncResult) => void) | undefined;
  sessionTimer: NodeJS.Timeout | undefined;
}

interface Group {
  readonly id: string;
  state: GroupState;
  generation: number;
  protocolType: string;
  protocol: string;
  leader: string;
  readonly members: Map<string, Member>;
  rebalanceTimer: NodeJS.Timeout | undefined;
  /** During an initial rebalance delay the join completes only when the delay ends. */
  delayed: boolean;
}

const EMPTY = Buffer.alloc(0);

function joinError(errorCode: number, memberId = ''): JoinResult {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

/**
 * The consumer group coordinator: Kafka's classic rebalance protocol (KIP-62 timeouts; Kafka protocol guide,
 * "The Consumer Group Protocol"). JoinGroup collects members until every known member has rejoined or the
 * rebalance timeout expires; the leader's SyncGroup distributes assignments; heartbeats keep sessions alive; a
 * member that leaves or whose session expires triggers a new generation. Generation ids fence stale members.
 */
export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();

  constructor(
    private readonly options: GroupOptions,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  private group(id: string): Group {
    let group = this.groups.get(id);
    if (group === undefined) {
      group = {
        id,
        state: 'Empty',
        generation: 0,
        protocolType: '',
        protocol: '',
        leader: '',
        members: new Map(),
        rebalanceTimer: undefined,
        delayed: false,
      };
      this.groups.set(id, group);
    }
    return group;
  }

  join(input: JoinInput): Promise<JoinResult> {
    if (input.groupId.length === 0) return Promise.resolve(joinError(KafkaErrorCode.INVALID_GROUP_ID));
    const { minSessionTimeoutMs, maxSessionTimeoutMs } = this.options;
    if (input.sessionTimeoutMs < minSessionTimeoutMs || input.sessionTimeoutMs > maxSessionTimeoutMs) {
      return Promise.resolve(joinError(KafkaErrorCode.INVALID_SESSION_TIMEOUT));
    }
    if (input.protocols.length === 0 || input.protocolType.length === 0) {
      return Promise.resolve(joinError(KafkaErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const group = this.group(input.groupId);
    if (group.members.size > 0) {
      const candidates = this.candidateProtocols(group);
      if (input.protocolType !== group.protocolType || !input.protocols.some((p) => candidates.has(p.name))) {
        return Promise.resolve(joinError(KafkaErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      }
    }
    let member: Member | undefined;
    if (input.memberId.length > 0) {
      member = group.members.get(input.memberId);
      if (member === undefined) return Promise.resolve(joinError(KafkaErrorCode.UNKNOWN_MEMBER_ID, input.memberId));
    } else {
      member = {
        id: `${input.clientId}-${randomUUID()}`,
        clientId: input.clientId,
        clientHost: input.clientHost,
        sessionTimeoutMs: input.sessionTimeoutMs,
        rebalanceTimeoutMs: input.rebalanceTimeoutMs,
        protocols: input.protocols,
        assignment: EMPTY,
        joinWaiter: undefined,
        syncWaiter: undefined,
        sessionTimer: undefined,
      };
      group.members.set(member.id, member);
      this.log(`group ${group.id}: member ${member.id} joins`);
    }
    group.protocolType = input.protocolType;
    member.clientId = input.clientId;
    member.clientHost = input.clientHost;
    member.sessionTimeoutMs = input.sessionTimeoutMs;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    member.protocols = input.protocols;
    // A member waiting in JoinGroup is bounded by the rebalance timeout, not its session (KIP-62).
    this.stopSession(member);
    const joining = member;
    const result = new Promise<JoinResult>((resolve) => {
      joining.joinWaiter?.(joinError(KafkaErrorCode.REBALANCE_IN_PROGRESS, joining.id));
      joining.joinWaiter = resolve;
    });
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group);
    else this.tryCompleteJoin(group);
    return result;
  }

  private candidateProtocols(group: Group): Set<string> {
    let candidates: Set<string> | undefined;
    for (const m of group.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      candidates = candidates === undefined ? names : new Set([...candidates].filter((n) => names.has(n)));
    }
    return candidates ?? new Set();
  }

  private prepareRebalance(group: Group): void {
    if (group.state === 'CompletingRebalance') {
      // The generation being synced is abandoned: members waiting in SyncGroup must rejoin.
      for (const m of group.members.values()) {
        m.syncWaiter?.({ errorCode: KafkaErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
        m.syncWaiter = undefined;
      }
    }
    const wasEmpty = group.state === 'Empty';
    group.state = 'PreparingRebalance';
    clearTimeout(group.rebalanceTimer);
    let timeout = 0;
    for (const m of group.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
    if (wasEmpty && this.options.initialRebalanceDelayMs > 0) {
      group.delayed = true;
      timeout = Math.min(timeout, this.options.initialRebalanceDelayMs);
    }
    group.rebalanceTimer = setTimeout(() => this.onRebalanceTimeout(group), timeout);
    group.rebalanceTimer.unref();
    this.tryCompleteJoin(group);
  }

  private onRebalanceTimeout(group: Group): void {
    group.rebalanceTimer = undefined;
    if (group.state !== 'PreparingRebalance') return;
    if (group.delayed) {
      group.delayed = false;
      this.tryCompleteJoin(group);
      if (group.state === 'PreparingRebalance') {
        let timeout = 0;
        for (const m of group.members.values()) timeout = Math.max(timeout, m.rebalanceTimeoutMs);
        group.rebalanceTimer = setTimeout(() => this.onRebalanceTimeout(group), timeout);
        group.rebalanceTimer.unref();
      }
      return;
    }
    // Members that did not rejoin within the rebalance timeout are out of the group (Kafka: onCompleteJoin).
    for (const m of [...group.members.values()]) {
      if (m.joinWaiter === undefined) {
        this.log(`group ${group.id}: member ${m.id} did not rejoin in time, removed`);
        this.removeMember(group, m);
      }
    }
    this.completeJoin(group);
  }

  private tryCompleteJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance' || group.delayed) return;
    for (const m of group.members.values()) if (m.joinWaiter === undefined) return;
    this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    clearTimeout(group.rebalanceTimer);
    group.rebalanceTimer = undefined;
    group.generation++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocol = '';
      group.leader = '';
      return;
    }
    group.protocol = this.selectProtocol(group);
    if (!group.members.has(group.leader)) group.leader = group.members.keys().next().value as string;
    group.state = 'CompletingRebalance';
    this.log(`group ${group.id}: generation ${group.generation} with ${group.members.size} member(s)`);
    const all = [...group.members.values()].map((m) => ({
      memberId: m.id,
      metadata: m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY,
    }));
    for (const m of group.members.values()) {
      const waiter = m.joinWaiter;
      m.joinWaiter = undefined;
      m.assignment = EMPTY;
      this.startSession(group, m);
      waiter?.({
        errorCode: KafkaErrorCode.NONE,
        generationId: group.generation,
        protocolName: group.protocol,
        leader: group.leader,
        memberId: m.id,
        members: m.id === group.leader ? all : [],
      });
    }
  }

  /** The protocol every member supports that most members list first (Kafka's GroupMetadata.selectProtocol vote). */
  private selectProtocol(group: Group): string {
    const candidates = this.candidateProtocols(group);
    const votes = new Map<string, number>();
    for (const m of group.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name))?.name;
      if (choice !== undefined) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    return best;
  }

  sync(
    groupId: string,
    generationId: number,
    memberId: string,
    assignments: readonly { memberId: string; assignment: Buffer }[],
  ): Promise<SyncResult> {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) {
      return Promise.resolve({ errorCode: KafkaErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    }
    if (generationId !== group.generation) {
      return Promise.resolve({ errorCode: KafkaErrorCode.ILLEGAL_GENERATION, assignment: EMPTY });
    }
    this.startSession(group, member);
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return Promise.resolve({ errorCode: KafkaErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
      case 'PreparingRebalance':
        return Promise.resolve({ errorCode: KafkaErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      case 'Stable':
        return Promise.resolve({ errorCode: KafkaErrorCode.NONE, assignment: member.assignment });
      case 'CompletingRebalance': {
        const result = new Promise<SyncResult>((resolve) => {
          member.syncWaiter = resolve;
        });
        if (memberId === group.leader) {
          const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
          group.state = 'Stable';
          for (const m of group.members.values()) {
            m.assignment = byMember.get(m.id) ?? EMPTY;
            const waiter = m.syncWaiter;
            m.syncWaiter = undefined;
            waiter?.({ errorCode: KafkaErrorCode.NONE, assignment: m.assignment });
          }
        }
        return result;
      }
    }
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return KafkaErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generation) return KafkaErrorCode.ILLEGAL_GENERATION;
    if (member.joinWaiter === undefined) this.startSession(group, member);
    // A heartbeat is how members learn that a rebalance started (Kafka protocol guide, Heartbeat).
    if (group.state === 'PreparingRebalance') return KafkaErrorCode.REBALANCE_IN_PROGRESS;
    return KafkaErrorCode.NONE;
  }

  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (group === undefined || member === undefined) return KafkaErrorCode.UNKNOWN_MEMBER_ID;
    this.log(`group ${group.id}: member ${memberId} leaves`);
    this.removeMemberAndRebalance(group, member);
    return KafkaErrorCode.NONE;
  }

  /** Whether an offset commit from (generation, member) is accepted for `groupId`; returns a Kafka error code. */
  checkCommit(groupId: string, generationId: number, memberId: string): number {
    const group = this.groups.get(groupId);
    if (generationId < 0 && memberId.length === 0) {
      // A commit from outside the group protocol (admin tools, manual assignment): only while nobody is a member.
      return group === undefined || group.members.size === 0 ? KafkaErrorCode.NONE : KafkaErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (group === undefined) return KafkaErrorCode.ILLEGAL_GENERATION;
    const member = group.members.get(memberId);
    if (member === undefined) return KafkaErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generation) return KafkaErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'CompletingRebalance') return KafkaErrorCode.REBALANCE_IN_PROGRESS;
    if (member.joinWaiter === undefined) this.startSession(group, member);
    return KafkaErrorCode.NONE;
  }

  describe(groupId: string): {
    state: GroupState;
    protocolType: string;
    protocol: string;
    members: { memberId: string; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }[];
  } {
    const group = this.groups.get(groupId);
    if (group === undefined) return { state: 'Dead', protocolType: '', protocol: '', members: [] };
    const stable = group.state === 'Stable';
    return {
      state: group.state,
      protocolType: group.protocolType,
      protocol: stable ? group.protocol : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.id,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? (m.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  list(): { groupId: string; protocolType: string }[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.id, protocolType: g.protocolType }));
  }

  private startSession(group: Group, member: Member): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => {
      member.sessionTimer = undefined;
      if (group.members.get(member.id) !== member) return;
      this.log(`group ${group.id}: member ${member.id} session expired after ${member.sessionTimeoutMs} ms`);
      this.removeMemberAndRebalance(group, member);
    }, member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  private stopSession(member: Member): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = undefined;
  }

  private removeMember(group: Group, member: Member): void {
    this.stopSession(member);
    group.members.delete(member.id);
    member.joinWaiter?.(joinError(KafkaErrorCode.UNKNOWN_MEMBER_ID, member.id));
    member.joinWaiter = undefined;
    member.syncWaiter?.({ errorCode: KafkaErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    member.syncWaiter = undefined;
  }

  private removeMemberAndRebalance(group: Group, member: Member): void {
    this.removeMember(group, member);
    if (group.state === 'PreparingRebalance') {
      if (group.members.size === 0) this.completeJoin(group);
      else this.tryCompleteJoin(group);
      return;
    }
    if (group.members.size === 0) {
      clearTimeout(group.rebalanceTimer);
      group.state = 'Empty';
      group.generation++;
      group.protocol = '';
      group.leader = '';
      return;
    }
    this.prepareRebalance(group);
  }

  close(): void {
    for (const group of this.groups.values()) {
      clearTimeout(group.rebalanceTimer);
      for (const m of group.members.values()) this.stopSession(m);
    }
    this.groups.clear();
  }
}
