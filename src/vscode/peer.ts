/**
 * This window follows the pool another window runs on the port (issue 13):
 * the shell side of `core/peer/follower.ts`. It hands the owner's live
 * snapshots to the controller (so the tree and the status bar show them) and
 * tells it when the owner went away, so that it may take the port over.
 */
import type { BackendSnapshot } from '../core';
import { PeerFollower } from '../core/peer/follower';
import type { ShellLog } from './log';
import type { Secrets } from './secrets';

export interface PeerHandlers {
  /** The owner's health changed: redraw. */
  changed: () => void;
  /** The owner is gone (checked twice, with a random pause): maybe take over. */
  gone: (reason: string) => void;
}

export class PeerLink {
  private readonly follower: PeerFollower;

  constructor(readonly port: number, secrets: Secrets, log: ShellLog, handlers: PeerHandlers) {
    this.follower = new PeerFollower({
      port,
      // Read each time: another window may replace the client key (SecretStorage is shared).
      clientKey: () => secrets.clientKey(),
      onHealth: () => handlers.changed(),
      onGone: (reason) => {
        log.info(`the pool on http://127.0.0.1:${port} went away (${reason})`);
        handlers.gone(reason);
      },
    }).start();
  }

  /** The owner's backends as it last reported them; undefined until it has answered. */
  snapshots(): BackendSnapshot[] | undefined {
    return this.follower.health?.backends;
  }

  dispose(): void {
    this.follower.stop();
  }
}
