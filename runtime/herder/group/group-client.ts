import type { GroupError, JoinRequest, JoinResult, SyncRequest, SyncResult } from '../../kafka/group-requests.js';

/**
 * The group coordinator's requests a membership needs: runtime/kafka/group-requests.ts's
 * GroupRequests, or a stand-in in tests. Coordinator answers come back as values; a transport
 * failure throws.
 */
export interface GroupClient {
  join(request: JoinRequest): Promise<JoinResult>;
  sync(request: SyncRequest): Promise<SyncResult>;
  heartbeat(generationId: number, memberId: string, groupInstanceId?: string | null): Promise<GroupError | null>;
  leave(memberId: string, groupInstanceId?: string | null, reason?: string): Promise<GroupError | null>;
  close(): Promise<void>;
}
